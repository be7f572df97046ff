// Entry of the C type engine's bundle (esbuild.js: dist/ctypes.js), loaded by src/services/cTypes.ts on
// first use. Its own copy of the translations is set up first, as the main bundle's is.
import './l10nSetup';

export * from './ctypes/engine';
