// Entry of the contents view's page (bundled by esbuild.js into dist/webview.js, an IIFE).
// The extension's HTML provides <div id="root">; without it the view fills the body.
// First: the translations, before any module builds its words.
import './l10nSetup';
import { App } from './app';
import { connectHost } from './host';

const root = document.getElementById('root') ?? document.body;
new App(connectHost(), root).start();
