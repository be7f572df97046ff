// Entry of the hex view's page (bundled by esbuild.js into dist/webview.js, an IIFE).
// The extension's HTML provides <div id="root">; without it the view fills the body.
import { App } from './app';
import { connectHost } from './host';

const root = document.getElementById('root') ?? document.body;
new App(connectHost(), root).start();
