// Every question a command asks goes through this seam. The extension uses VS Code's own dialogs;
// the integration tests install scripted answers (and see the questions), so commands are tested
// with their prompts answered rather than skipped.
import * as vscode from 'vscode';

/**
 * A question stays when the focus leaves it (Escape still cancels it). The views refresh every
 * second, and a question asked right after a refresh of the view that had the focus (Export from
 * the palette, say) was seen dismissed before the user could answer: VS Code handed the focus back
 * to the view.
 */
const KEEP_ON_FOCUS_OUT = true;

/**
 * The questions of one command asked one after the other in a box that stays open between them:
 * each next question replaces the last in place. Separate boxes close in between, and VS Code then
 * gives the focus back to what had it (a contents view's page) for a moment: long enough for the
 * page to take it from the next box, which closes the box or takes the typing (a defect users met).
 */
export interface PromptSteps extends Pick<Prompts, 'inputBox' | 'quickPick'> {
  /** Closes the box of the last question (call it once the questions are over, before long work). */
  dispose(): void;
}

export interface Prompts {
  /** A session of several questions asked in turn (see PromptSteps). */
  steps(): PromptSteps;
  inputBox(options: vscode.InputBoxOptions): Thenable<string | undefined>;
  /** `items` may still be coming (a promise): the pick list shows at once, busy until they are there. */
  quickPick<T extends vscode.QuickPickItem>(
    items: readonly T[] | Thenable<readonly T[]>,
    options: vscode.QuickPickOptions & { canPickMany: true },
  ): Thenable<T[] | undefined>;
  quickPick<T extends vscode.QuickPickItem>(items: readonly T[] | Thenable<readonly T[]>, options?: vscode.QuickPickOptions): Thenable<T | undefined>;
  /** A modal warning; resolves with the chosen button's title, or undefined when cancelled. */
  confirm(message: string, detail: string, ...buttons: string[]): Thenable<string | undefined>;
  openDialog(options: vscode.OpenDialogOptions): Thenable<vscode.Uri[] | undefined>;
  saveDialog(options: vscode.SaveDialogOptions): Thenable<vscode.Uri | undefined>;
  /** A notification (not modal); resolves with the chosen button when the user clicks one. */
  notify(kind: 'info' | 'warning' | 'error', message: string, ...buttons: string[]): Thenable<string | undefined>;
}

type ValidationResult = string | vscode.InputBoxValidationMessage | undefined | null;

/** The message of a validateInput result, whatever form it took. */
function validationText(result: ValidationResult): string | undefined {
  if (!result) return undefined;
  return typeof result === 'string' ? result : result.message;
}

/** PromptSteps over VS Code's quick input: one box at a time, each shown before the last is disposed. */
class QuickInputSteps implements PromptSteps {
  private current: vscode.QuickInput | undefined;

  /** Shows `next` in place of the current box (in that order: the quick input never closes in between). */
  private replaceWith(next: vscode.QuickInput): void {
    const previous = this.current;
    this.current = next;
    next.show();
    previous?.dispose();
  }

  /** Waits for the box's answer; once answered the box stays on screen, busy and disabled, until the next question. */
  private answer<V>(box: vscode.QuickInput, listen: (settle: (value: V | undefined) => void) => vscode.Disposable[]): Promise<V | undefined> {
    return new Promise((resolve) => {
      const listeners: vscode.Disposable[] = [];
      const settle = (value: V | undefined) => {
        if (listeners.length === 0) return; // answered already
        listeners.splice(0).forEach((listener) => listener.dispose());
        if (value !== undefined) {
          box.busy = true;
          box.enabled = false;
        }
        resolve(value);
      };
      listeners.push(
        ...listen(settle),
        box.onDidHide(() => settle(undefined)),
      );
      this.replaceWith(box);
    });
  }

  inputBox(options: vscode.InputBoxOptions): Thenable<string | undefined> {
    const box = vscode.window.createInputBox();
    box.title = options.title;
    box.prompt = options.prompt;
    box.placeholder = options.placeHolder;
    box.value = options.value ?? '';
    if (options.valueSelection) box.valueSelection = options.valueSelection;
    box.password = options.password ?? false;
    box.ignoreFocusOut = options.ignoreFocusOut ?? KEEP_ON_FOCUS_OUT;
    const validate = async (value: string) => {
      const message = validationText(await options.validateInput?.(value));
      if (box.value === value) box.validationMessage = message;
      return message === undefined;
    };
    if (options.value) void validate(options.value);
    return this.answer<string>(box, (done) => [
      box.onDidChangeValue((value) => void validate(value)),
      box.onDidAccept(async () => {
        const value = box.value;
        if (await validate(value)) done(value);
      }),
    ]);
  }

  quickPick<T extends vscode.QuickPickItem>(
    items: readonly T[] | Thenable<readonly T[]>,
    options: vscode.QuickPickOptions = {},
  ): Thenable<T | T[] | undefined> {
    const pick = vscode.window.createQuickPick<T>();
    pick.title = options.title;
    pick.placeholder = options.placeHolder;
    pick.canSelectMany = options.canPickMany ?? false;
    pick.matchOnDescription = options.matchOnDescription ?? false;
    pick.matchOnDetail = options.matchOnDetail ?? false;
    pick.ignoreFocusOut = options.ignoreFocusOut ?? KEEP_ON_FOCUS_OUT;
    const fill = (list: readonly T[]) => {
      pick.items = list;
      if (pick.canSelectMany) pick.selectedItems = list.filter((item) => item.picked);
    };
    if (Array.isArray(items)) fill(items as readonly T[]);
    else {
      pick.busy = true;
      void Promise.resolve(items).then((list) => {
        fill(list);
        pick.busy = false;
      });
    }
    return this.answer<T | T[]>(pick, (done) => [
      pick.onDidAccept(() => {
        if (pick.canSelectMany) done([...pick.selectedItems]);
        else if (pick.activeItems[0]) done(pick.activeItems[0]);
      }),
    ]);
  }

  dispose(): void {
    this.current?.dispose();
    this.current = undefined;
  }
}

export const vscodePrompts: Prompts = {
  steps: () => new QuickInputSteps() as PromptSteps,
  inputBox: (options) => vscode.window.showInputBox({ ...options, ignoreFocusOut: options.ignoreFocusOut ?? KEEP_ON_FOCUS_OUT }),
  quickPick: ((items: readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>, options?: vscode.QuickPickOptions) =>
    Array.isArray(items)
      ? vscode.window.showQuickPick(items as readonly vscode.QuickPickItem[], { ...options, ignoreFocusOut: options?.ignoreFocusOut ?? KEEP_ON_FOCUS_OUT })
      : vscode.window.showQuickPick<vscode.QuickPickItem>(
          Promise.resolve<readonly vscode.QuickPickItem[]>(items).then((list) => [...list]),
          { ...options, ignoreFocusOut: options?.ignoreFocusOut ?? KEEP_ON_FOCUS_OUT },
        )) as Prompts['quickPick'],
  confirm: (message, detail, ...buttons) => vscode.window.showWarningMessage(message, { modal: true, detail }, ...buttons),
  openDialog: (options) => vscode.window.showOpenDialog(options),
  saveDialog: (options) => vscode.window.showSaveDialog(options),
  notify: (kind, message, ...buttons) =>
    kind === 'error'
      ? vscode.window.showErrorMessage(message, ...buttons)
      : kind === 'warning'
        ? vscode.window.showWarningMessage(message, ...buttons)
        : vscode.window.showInformationMessage(message, ...buttons),
};
