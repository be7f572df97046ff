// The HTML page of the extension's webviews (the contents view, the wait-for graph): one script
// and one style sheet of the extension's own, under a strict content security policy (nothing but
// that script, by its nonce, and the webview's own styles and fonts), the window's language, and a
// root element the script fills. Written once so that both pages keep the same policy.
import * as crypto from 'crypto';
import * as path from 'path';
import * as vscode from 'vscode';

export interface PageParts {
  /** The bundle in dist/ and the style sheet in media/, by file name. */
  script: string;
  style: string;
  /** A style sheet the bundle brings (its libraries' own, e.g. uPlot's), in dist/. */
  bundleStyle?: string;
  title: string;
  /** The root element the script finds, with what it needs to know (escaped here). */
  root: { tag: 'div' | 'main'; data?: Record<string, string> };
}

/** The page's HTML for a webview, with the extension's dist/ and media/ folders. */
export function webviewPage(webview: vscode.Webview, assets: { dist: string; media: string }, parts: PageParts): string {
  const nonce = crypto.randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.file(path.join(assets.dist, parts.script)));
  const style = webview.asWebviewUri(vscode.Uri.file(path.join(assets.media, parts.style)));
  const csp = [`default-src 'none'`, `script-src 'nonce-${nonce}'`, `style-src ${webview.cspSource}`, `font-src ${webview.cspSource}`].join('; ');
  const data = Object.entries(parts.root.data ?? {})
    .map(([name, value]) => ` data-${name}="${escapeHtml(value)}"`)
    .join('');
  return `<!DOCTYPE html>
<html lang="${escapeHtml(vscode.env.language)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${
  parts.bundleStyle
    ? `<link rel="stylesheet" href="${webview.asWebviewUri(vscode.Uri.file(path.join(assets.dist, parts.bundleStyle)))}">
`
    : ''
}<link rel="stylesheet" href="${style}">
<title>${escapeHtml(parts.title)}</title>
</head>
<body>
<${parts.root.tag} id="root"${data}></${parts.root.tag}>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
