/**
 * "Verify Migration": runs `nnmigrate.server.verify` under a cancellable progress notification
 * (Cancel sends `nnmigrate.server.cancelVerify`), then shows the result in a status bar item whose
 * click opens the per-layer report. Results that the server pushes with `nnmigrate/verifyResult`
 * (e.g. after the "Verify X" code action) update the same item.
 */
import { baseName } from './previewModel';
import { ServerApi } from './serverApi';
import { VerifyReport, normalizeReport, renderReportHtml, statusBarText, statusBarTooltip, statusWord } from './verifyReport';
import * as api from './vscodeapi';

export const SHOW_REPORT_COMMAND = 'nnmigrate.showVerifyReport';

export interface VerifyResult {
  uri: string;
  symbol: string;
  report: VerifyReport;
}

export class VerifyController {
  private item: api.StatusBarItem | undefined;
  private panel: ReturnType<typeof api.showHtmlPanel> | undefined;
  last: VerifyResult | undefined;
  private running = false;

  constructor(
    private readonly server: ServerApi,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  async verify(uri: string, symbol: string, inputs: string[] | null = null): Promise<VerifyResult | undefined> {
    if (this.running) {
      void api.showWarning('nnmigrate: a verification is already running.');
      return undefined;
    }
    this.running = true;
    try {
      let cancelled = false;
      const raw = await api.withCancellableProgress(
        `nnmigrate: verifying ${symbol}`,
        async (report) => {
          report('running both models on the same random inputs…');
          return this.server.executeCommand('nnmigrate.server.verify', [{ uri, symbol, inputs }]);
        },
        () => {
          cancelled = true;
          this.log(`verify ${symbol}: cancel requested`);
          this.server.executeCommand('nnmigrate.server.cancelVerify', []).catch((err) => this.log(`cancelVerify failed: ${String(err)}`));
        },
      );
      const report = normalizeReport(raw);
      if (cancelled && report.status !== 'equivalent' && report.status !== 'not_equivalent') {
        report.status = 'cancelled';
      }
      return this.show(uri, symbol, report);
    } catch (err) {
      const report = normalizeReport({ status: 'error', message: errorMessage(err) });
      this.show(uri, symbol, report);
      void api.showError(`nnmigrate: verifying ${symbol} failed: ${report.message}`);
      return undefined;
    } finally {
      this.running = false;
    }
  }

  /** Handles the server's `nnmigrate/verifyResult` notification. */
  onServerResult(params: unknown): void {
    const p = (params ?? {}) as { uri?: unknown; symbol?: unknown; report?: unknown };
    if (typeof p.uri !== 'string' || typeof p.symbol !== 'string') {
      return;
    }
    this.show(p.uri, p.symbol, normalizeReport(p.report));
  }

  show(uri: string, symbol: string, report: VerifyReport): VerifyResult {
    this.last = { uri, symbol, report };
    this.log(`verify ${symbol} (${baseName(uri)}): ${statusWord(report.status)} max_abs_diff=${report.max_abs_diff} device=${report.device} ${report.message}`);
    this.item ??= api.createStatusItem('nnmigrate.verifyStatus', 'nnmigrate verification');
    api.updateStatusItem(this.item, {
      text: statusBarText(symbol, report),
      tooltip: statusBarTooltip(symbol, report),
      command: SHOW_REPORT_COMMAND,
      error: report.status === 'not_equivalent' || report.status === 'error',
    });
    if (this.panel) {
      this.showReport(); // keep an open report in step
    }
    return this.last;
  }

  showReport(): void {
    if (!this.last) {
      void api.showInfo('nnmigrate: no verification has run yet. Use "Verify Migration" on a model class.');
      return;
    }
    const { uri, symbol, report } = this.last;
    const panel = api.showHtmlPanel('nnmigrate.verifyReport', `Verify: ${symbol}`, renderReportHtml(symbol, uri, report), this.panel);
    if (panel !== this.panel) {
      this.panel = panel;
      panel.onDidDispose(() => {
        if (this.panel === panel) {
          this.panel = undefined;
        }
      });
    }
  }

  dispose(): void {
    this.item?.dispose();
    this.panel?.dispose();
  }
}

/** The message of an error (a JSON-RPC error from the server included), without a leading "nnmigrate: ". */
export function errorMessage(err: unknown): string {
  const text = err && typeof err === 'object' && 'message' in err ? String((err as { message: unknown }).message) : String(err);
  return text.replace(/^nnmigrate:\s*/, '');
}
