// Where the unit tests' fixture files are (they are not copied to out/).
import * as path from 'path';

export const fixtures = path.resolve(__dirname, '..', '..', '..', 'test', 'unit', 'fixtures');
export const fixture = (...parts: string[]): string => path.join(fixtures, ...parts);
