// Strings the workspace or the cluster controls (node names, sources, Service names, config values, addresses) are
// written into markdown hovers and the status tooltip as literal text: no emphasis, code, links, images or HTML
// (a node named `![x](https://host/p.png)` must not load a remote image), and no autolink of a URL or `www.` name.
// CommonMark: any ASCII punctuation may be backslash-escaped.

export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_[\]<>!|&]/g, '\\$&')
    .replace(/:(?=\/\/)/g, '\\:')
    .replace(/\b(www)\./gi, '$1\\.')
    .replace(/[\r\n]+/g, ' ');
}
