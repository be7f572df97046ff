// A scripted user for the extension's Prompts seam (src/commands/prompts.ts): every question a
// command asks is answered from a queue written by the test, and every question and notification
// is recorded so the test can assert on what the user was asked and told.
//
// A question with no scripted answer (or the wrong kind of answer) is refused at once: the prompt
// rejects, so the command ends instead of waiting for a click that never comes, and the test that
// runs through `withPrompts` fails naming the question. An answer may be a function of the
// question, which can make assertions (a failed one fails the test the same way).
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { IpcInspectorApi } from '../../src/extension';
import type { Prompts, PromptSteps } from '../../src/prompts';
import { waitFor } from '../support/waitFor';

export type Question =
  | { kind: 'inputBox'; options: vscode.InputBoxOptions }
  | { kind: 'quickPick'; items: readonly vscode.QuickPickItem[]; options: vscode.QuickPickOptions }
  | { kind: 'confirm'; message: string; detail: string; buttons: string[] }
  | { kind: 'openDialog'; options: vscode.OpenDialogOptions }
  | { kind: 'saveDialog'; options: vscode.SaveDialogOptions };

export interface Notification {
  kind: 'info' | 'warning' | 'error';
  message: string;
  buttons: string[];
}

type Of<K extends Question['kind']> = Extract<Question, { kind: K }>;
type Answer<K extends Question['kind'], V> = V | ((question: Of<K>) => V | Promise<V>);

interface Scripted {
  kind: Question['kind'];
  answer: (question: Question) => unknown;
}

/** One line naming a question, for error messages. */
export function describeQuestion(q: Question): string {
  switch (q.kind) {
    case 'inputBox':
      return `input box "${q.options.title ?? ''}" (${q.options.prompt ?? ''})`;
    case 'quickPick':
      return `quick pick "${q.options.title ?? q.options.placeHolder ?? ''}" [${q.items.map((i) => i.label).join(' | ')}]`;
    case 'confirm':
      return `confirmation "${q.message}" [${q.buttons.join(' | ')}]`;
    case 'openDialog':
      return `open dialog "${q.options.title ?? ''}"`;
    case 'saveDialog':
      return `save dialog "${q.options.title ?? ''}"`;
  }
}

export class ScriptedPrompts implements Prompts {
  readonly questions: Question[] = [];
  readonly notifications: Notification[] = [];
  /** Questions nobody scripted an answer for, and answers that threw: each fails the test. */
  readonly problems: string[] = [];
  private readonly queue: Scripted[] = [];

  /** Several questions in turn are answered from the same queue as single ones. */
  steps(): PromptSteps {
    return {
      inputBox: (options) => this.inputBox(options),
      quickPick: ((items: never, options: never) => this.quickPick(items, options)) as Prompts['quickPick'],
      dispose: () => undefined,
    };
  }

  // ---- scripting ---------------------------------------------------------------------------

  /** Answers the next input box (the text is checked with the box's validateInput first). */
  input(answer: Answer<'inputBox', string | undefined>): this {
    return this.push('inputBox', answer);
  }

  /** Picks the item with this label in the next single-choice quick pick (undefined = Escape). */
  pick(label: string | undefined | ((question: Of<'quickPick'>) => vscode.QuickPickItem | undefined)): this {
    return this.push('quickPick', (q: Of<'quickPick'>) => {
      if (typeof label === 'function') return label(q);
      if (label === undefined) return undefined;
      const item = q.items.find((i) => i.label === label);
      assert.ok(item, `no item "${label}" in ${describeQuestion(q)}`);
      return item;
    });
  }

  /** Answers the next multi-choice quick pick with the items the function returns (undefined = Escape). */
  pickMany(choose: (question: Of<'quickPick'>) => readonly vscode.QuickPickItem[] | undefined): this {
    return this.push('quickPick', (q: Of<'quickPick'>) => {
      assert.strictEqual(q.options.canPickMany, true, `${describeQuestion(q)} is not a multi-choice pick`);
      return choose(q);
    });
  }

  /** Clicks this button of the next modal confirmation (undefined = Cancel / Escape). */
  confirmWith(answer: Answer<'confirm', string | undefined>): this {
    return this.push('confirm', answer);
  }

  openWith(answer: Answer<'openDialog', vscode.Uri[] | undefined>): this {
    return this.push('openDialog', answer);
  }

  saveWith(answer: Answer<'saveDialog', vscode.Uri | undefined>): this {
    return this.push('saveDialog', answer);
  }

  private push<K extends Question['kind']>(kind: K, answer: unknown): this {
    this.queue.push({
      kind,
      answer: (question) => (typeof answer === 'function' ? (answer as (q: Question) => unknown)(question) : answer),
    });
    return this;
  }

  // ---- what happened ----------------------------------------------------------------------------

  ofKind<K extends Question['kind']>(kind: K): Array<Of<K>> {
    return this.questions.filter((q): q is Of<K> => q.kind === kind);
  }

  notificationsOf(kind: Notification['kind']): string[] {
    return this.notifications.filter((n) => n.kind === kind).map((n) => n.message);
  }

  /** Waits for a notification of this kind whose text matches. */
  waitForNotification(kind: Notification['kind'], text: RegExp, timeoutMs = 5000): Promise<Notification> {
    return waitFor(
      () => this.notifications.find((n) => n.kind === kind && text.test(n.message)),
      timeoutMs,
      `a ${kind} notification matching ${text} (got: ${JSON.stringify(this.notifications)})`,
    );
  }

  /** Fails when a question went unanswered, an answer failed, or a scripted answer was never used. */
  assertDone(): void {
    assert.deepStrictEqual(this.problems, [], 'the scripted user had problems');
    assert.deepStrictEqual(
      this.queue.map((s) => s.kind),
      [],
      'scripted answers left unused: the command did not ask these questions',
    );
  }

  // ---- the Prompts seam -----------------------------------------------------------------------------

  private async ask<T>(question: Question): Promise<T> {
    this.questions.push(question);
    const next = this.queue.shift();
    if (!next || next.kind !== question.kind) {
      const problem = next ? `expected a ${next.kind} but was asked: ${describeQuestion(question)}` : `no scripted answer for: ${describeQuestion(question)}`;
      this.problems.push(problem);
      throw new Error(`[scripted user] ${problem}`);
    }
    try {
      return (await next.answer(question)) as T;
    } catch (error) {
      const problem = `answering ${describeQuestion(question)}: ${(error as Error).message}`;
      this.problems.push(problem);
      throw error;
    }
  }

  async inputBox(options: vscode.InputBoxOptions): Promise<string | undefined> {
    const text = await this.ask<string | undefined>({ kind: 'inputBox', options });
    if (text !== undefined && options.validateInput) {
      // A real input box does not accept a value its validation rejects.
      const verdict = await options.validateInput(text);
      const message = typeof verdict === 'string' ? verdict : verdict?.message;
      if (message) {
        const problem = `the scripted answer "${text}" to ${describeQuestion({ kind: 'inputBox', options })} is rejected: ${message}`;
        this.problems.push(problem);
        throw new Error(`[scripted user] ${problem}`);
      }
    }
    return text;
  }

  quickPick = (<T extends vscode.QuickPickItem>(items: readonly T[] | Thenable<readonly T[]>, options: vscode.QuickPickOptions = {}) =>
    Promise.resolve(items).then((list) => this.ask<T | T[] | undefined>({ kind: 'quickPick', items: list, options }))) as Prompts['quickPick'];

  confirm(message: string, detail: string, ...buttons: string[]): Promise<string | undefined> {
    return this.ask({ kind: 'confirm', message, detail, buttons });
  }

  openDialog(options: vscode.OpenDialogOptions): Promise<vscode.Uri[] | undefined> {
    return this.ask({ kind: 'openDialog', options });
  }

  saveDialog(options: vscode.SaveDialogOptions): Promise<vscode.Uri | undefined> {
    return this.ask({ kind: 'saveDialog', options });
  }

  async notify(kind: 'info' | 'warning' | 'error', message: string, ...buttons: string[]): Promise<string | undefined> {
    this.notifications.push({ kind, message, buttons });
    return undefined; // dismissed
  }
}

/**
 * Runs `body` with a fresh scripted user installed, then checks that every question was answered
 * and every answer used. When the body fails and the scripted user had problems, those come first
 * in the error (they are usually the cause).
 */
export async function withPrompts(api: IpcInspectorApi, body: (prompts: ScriptedPrompts) => Promise<void>): Promise<ScriptedPrompts> {
  const prompts = new ScriptedPrompts();
  const restore = api.usePrompts(prompts);
  try {
    await body(prompts);
  } catch (error) {
    if (prompts.problems.length > 0 && error instanceof Error) {
      error.message = `${error.message}\n  scripted user problems:\n  - ${prompts.problems.join('\n  - ')}`;
    }
    throw error;
  } finally {
    restore();
  }
  prompts.assertDone();
  return prompts;
}
