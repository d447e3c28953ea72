/**
 * The last lines a child process wrote, kept for error messages. Chunks are
 * split into lines here, so a message split across two pipe reads is still
 * seen whole by `onLine` (readiness detection depends on that).
 */
export class OutputTail {
  readonly #max: number;
  readonly #lines: string[] = [];
  #partial = '';
  #onLine: ((line: string) => void) | undefined;

  constructor(max = 40) {
    this.#max = max;
  }

  /** Replaces the line listener (one at a time: the current start attempt). */
  onLine(listener: ((line: string) => void) | undefined): void {
    this.#onLine = listener;
  }

  push(chunk: Buffer | string): void {
    const parts = (this.#partial + chunk.toString()).split('\n');
    this.#partial = parts.pop() ?? '';
    for (const line of parts) this.#add(line.replace(/\r$/, ''));
  }

  /** Flushes an unterminated last line (the process exited). */
  end(): void {
    if (this.#partial !== '') this.#add(this.#partial);
    this.#partial = '';
  }

  lines(): string[] {
    return this.#partial === '' ? [...this.#lines] : [...this.#lines, this.#partial];
  }

  /** Indented block for an error message, or a note that there was no output. */
  format(): string {
    const lines = this.lines();
    return lines.length === 0 ? '  (no output)' : lines.map((l) => `  | ${l}`).join('\n');
  }

  #add(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > this.#max) this.#lines.shift();
    this.#onLine?.(line);
  }
}
