// Hovers are written in markdown by the engine; a client that takes only plain text (ALE, or any client that names
// no hover.contentFormat) gets the same text without the markup.

/**
 * Our markdown as plain text: `[text](url)` becomes `text (url)`, `**bold**` and `` `code` `` lose their markers, and
 * backslash escapes (used for workspace-controlled strings) are undone. Only the markdown the engine writes is known.
 */
export function markdownToPlainText(markdown: string): string {
  return markdown.replace(/\\([!-/:-@[-`{-~])|\[((?:\\.|[^\]\\])*)\]\(([^)\s]*)\)|\*\*|`/g, (_m, escaped: string | undefined, text: string | undefined, url: string | undefined) => {
    if (escaped !== undefined) return escaped;
    if (text !== undefined) return `${markdownToPlainText(text)} (${url})`;
    return '';
  });
}
