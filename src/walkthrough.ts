// The steps of the Get Started walkthrough (package.json contributes.walkthroughs) that complete on
// an action, not on a view: each sets the context key its step's completion event waits for, once
// the action has really happened (the demo's terminal started, contents shown, a C type laid out,
// an orphan removed). Opening the IPC view completes its own step (onView).
import * as vscode from 'vscode';

export type WalkthroughStep = 'demoStarted' | 'contentsOpened' | 'cTypeShown' | 'cleanedUp';

const done = new Set<WalkthroughStep>();

export function completeStep(step: WalkthroughStep): void {
  if (done.has(step)) return;
  done.add(step);
  void vscode.commands.executeCommand('setContext', `ipcInspector.walkthrough.${step}`, true);
}

/** The steps completed in this window (the tests read it). */
export function completedSteps(): WalkthroughStep[] {
  return [...done];
}

/** Forgets the steps completed here, and their context keys (the tests start from none). */
export function resetSteps(): void {
  for (const step of done) void vscode.commands.executeCommand('setContext', `ipcInspector.walkthrough.${step}`, false);
  done.clear();
}
