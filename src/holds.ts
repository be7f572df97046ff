// The segments this window keeps attached on purpose (Attach / Detach). They live in the helper
// process, so when the helper dies they are gone: the registry is cleared and the user told.
import * as vscode from 'vscode';

export class Holds implements vscode.Disposable {
  private readonly held = new Set<number>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  has(shmid: number): boolean {
    return this.held.has(shmid);
  }

  get all(): number[] {
    return [...this.held];
  }

  add(shmid: number): void {
    this.held.add(shmid);
    this.changed.fire();
  }

  delete(shmid: number): void {
    if (this.held.delete(shmid)) this.changed.fire();
  }

  /** Forgets every hold (the helper that held them is gone); returns what was lost. */
  clear(): number[] {
    const lost = this.all;
    this.held.clear();
    if (lost.length) this.changed.fire();
    return lost;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
