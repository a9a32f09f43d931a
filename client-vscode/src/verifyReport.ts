/**
 * Formatting of `nnmigrate.server.verify` reports: the status bar text and the per-layer HTML table.
 * Plain module.
 */

export type VerifyStatus = 'equivalent' | 'not_equivalent' | 'error' | 'cancelled';

export interface LayerDiff {
  source: string;
  target: string;
  max_abs_diff: number | null;
}

export interface VerifyReport {
  status: VerifyStatus;
  max_abs_diff: number | null;
  max_rel_diff: number | null;
  per_layer: LayerDiff[];
  device: string;
  seconds: number;
  message: string;
}

/** Accepts whatever the server sent and fills the gaps so the UI never throws on a partial report. */
export function normalizeReport(raw: unknown): VerifyReport {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const statuses: VerifyStatus[] = ['equivalent', 'not_equivalent', 'error', 'cancelled'];
  const layers = Array.isArray(r.per_layer) ? r.per_layer : [];
  return {
    status: statuses.includes(r.status as VerifyStatus) ? (r.status as VerifyStatus) : 'error',
    max_abs_diff: num(r.max_abs_diff),
    max_rel_diff: num(r.max_rel_diff),
    per_layer: layers
      .filter((l): l is Record<string, unknown> => !!l && typeof l === 'object')
      .map((l) => ({ source: String(l.source ?? ''), target: String(l.target ?? ''), max_abs_diff: num(l.max_abs_diff) })),
    device: typeof r.device === 'string' ? r.device : '',
    seconds: num(r.seconds) ?? 0,
    message: typeof r.message === 'string' ? r.message : '',
  };
}

export function formatDiff(value: number | null): string {
  if (value === null) {
    return 'n/a';
  }
  if (value === 0) {
    return '0';
  }
  return Math.abs(value) >= 1e-3 && Math.abs(value) < 1e4 ? value.toPrecision(3) : value.toExponential(2);
}

const ICONS: Record<VerifyStatus, string> = {
  equivalent: '$(pass-filled)',
  not_equivalent: '$(error)',
  error: '$(warning)',
  cancelled: '$(circle-slash)',
};

const WORDS: Record<VerifyStatus, string> = {
  equivalent: 'equivalent',
  not_equivalent: 'not equivalent',
  error: 'verify failed',
  cancelled: 'verify cancelled',
};

export function statusWord(status: VerifyStatus): string {
  return WORDS[status];
}

/** Status bar text, e.g. "$(pass-filled) CifarCNN equivalent · max |Δ| 2.38e-07 · cpu". */
export function statusBarText(symbol: string, report: VerifyReport): string {
  const parts = [`${ICONS[report.status]} ${symbol} ${WORDS[report.status]}`];
  if (report.status === 'equivalent' || report.status === 'not_equivalent') {
    parts.push(`max |Δ| ${formatDiff(report.max_abs_diff)}`);
    if (report.device) {
      parts.push(report.device);
    }
  }
  return parts.join(' · ');
}

export function statusBarTooltip(symbol: string, report: VerifyReport): string {
  const lines = [`nnmigrate: ${symbol} ${WORDS[report.status]}`];
  if (report.max_abs_diff !== null) {
    lines.push(`max_abs_diff ${formatDiff(report.max_abs_diff)}, max_rel_diff ${formatDiff(report.max_rel_diff)}`);
  }
  if (report.device) {
    lines.push(`device ${report.device}, ${report.seconds.toFixed(1)} s`);
  }
  if (report.message) {
    lines.push(report.message);
  }
  lines.push('Click for the per-layer report.');
  return lines.join('\n');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A file URI as a path, other URIs as they are. */
export function displayPath(uri: string): string {
  if (!uri.startsWith('file://')) {
    return uri;
  }
  try {
    return decodeURIComponent(new URL(uri).pathname);
  } catch {
    return uri;
  }
}

/** The per-layer report as a self-contained HTML page (no scripts). */
export function renderReportHtml(symbol: string, sourceUri: string, report: VerifyReport): string {
  const worst = report.per_layer.reduce<number>((m, l) => (l.max_abs_diff !== null && l.max_abs_diff > m ? l.max_abs_diff : m), -1);
  const rows = report.per_layer
    .map((l, i) => {
      const cls = l.max_abs_diff !== null && l.max_abs_diff === worst && worst > 0 ? ' class="worst"' : '';
      return `<tr${cls}><td>${i + 1}</td><td><code>${escapeHtml(l.source)}</code></td><td><code>${escapeHtml(l.target)}</code></td><td class="num">${formatDiff(l.max_abs_diff)}</td></tr>`;
    })
    .join('\n');
  const table = report.per_layer.length
    ? `<table><thead><tr><th>#</th><th>Source layer</th><th>Target layer</th><th>max_abs_diff</th></tr></thead><tbody>\n${rows}\n</tbody></table>`
    : '<p>No per-layer data in this report.</p>';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';">
<title>nnmigrate: ${escapeHtml(symbol)}</title>
<style>
body { font-family: var(--vscode-font-family, sans-serif); color: var(--vscode-foreground); padding: 0 16px; }
table { border-collapse: collapse; margin-top: 8px; }
th, td { border: 1px solid var(--vscode-panel-border, #8884); padding: 4px 10px; text-align: left; }
td.num { text-align: right; font-family: var(--vscode-editor-font-family, monospace); }
tr.worst td { background: var(--vscode-inputValidation-errorBackground, #f003); }
.status-equivalent { color: var(--vscode-testing-iconPassed, green); }
.status-not_equivalent, .status-error { color: var(--vscode-testing-iconFailed, red); }
</style></head>
<body>
<h2>Verification of <code>${escapeHtml(symbol)}</code>: <span class="status-${report.status}">${WORDS[report.status]}</span></h2>
<p>Source: <code>${escapeHtml(displayPath(sourceUri))}</code></p>
<ul>
<li>max_abs_diff: <b>${formatDiff(report.max_abs_diff)}</b></li>
<li>max_rel_diff: ${formatDiff(report.max_rel_diff)}</li>
<li>device: ${escapeHtml(report.device || 'n/a')}, ${report.seconds.toFixed(1)} s</li>
</ul>
${report.message ? `<p>${escapeHtml(report.message)}</p>` : ''}
${table}
</body></html>`;
}
