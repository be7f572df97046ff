// Fields and series of a recording as CSV (RFC 4180): one row per sample, its index, its time in
// milliseconds since the epoch and since the recording started, then one column per field with its
// exact value (64-bit integers in full), empty where a value could not be read.
import { fieldsByPath, fieldValue, valueText } from './fields';
import type { Recording, SeriesRecording } from './recording';

function cell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function line(cells: readonly string[]): string {
  return cells.map(cell).join(',') + '\r\n';
}

const timeCells = (time: number, startedAt: number) => [time.toFixed(3), ((time - startedAt) / 1000).toFixed(6)];

/** The fields at `paths` (default: every numeric field) over the samples kept. */
export function fieldsCsv(recording: Recording, paths: readonly string[] = recording.fields.map((f) => f.path)): string {
  const layout = recording.meta.layout;
  const fields = fieldsByPath(recording.fields, paths);
  const image = new Map(fields.map((f) => [f, recording.imageOffset(f.offset, f.length)! - f.offset]));
  const parts = [line(['sample', 'time_ms', 'elapsed_s', ...paths])];
  recording.store.replay((index, time, bytes) => {
    const values = fields.map((f) =>
      layout ? valueText(fieldValue(layout, { ...f, shift: f.shift + image.get(f)!, offset: f.offset + image.get(f)! }, bytes)) : '',
    );
    parts.push(line([String(index), ...timeCells(time, recording.meta.startedAt), ...values]));
  });
  return parts.join('');
}

/** Every column of a semaphore set's or queue's recording. */
export function seriesCsv(series: SeriesRecording): string {
  const parts = [line(['sample', 'time_ms', 'elapsed_s', ...series.columns])];
  for (let i = series.firstIndex; i < series.firstIndex + series.count; i++) {
    parts.push(line([String(i), ...timeCells(series.timeOf(i), series.meta.startedAt), ...series.row(i).map(String)]));
  }
  return parts.join('');
}
