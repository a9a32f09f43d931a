"""Command line: `nnmigrate migrate | verify | pivot | serve`. A thin shell over the library."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from nnmigrate.diagnostics import Diagnostic
from nnmigrate.frameworks import Framework

EXIT_OK, EXIT_DIAGNOSTICS, EXIT_BAD_INPUT = 0, 3, 2
MAX_SOURCE_BYTES = 5_000_000


def read_source(path: str) -> str:
    """The file's text, decoded as UTF-8 (with or without BOM), else Latin-1; raises ValueError for bad input."""
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"{path}: no such file")
    data = p.read_bytes()
    if len(data) > MAX_SOURCE_BYTES:
        raise ValueError(f"{path}: {len(data)} bytes is over the {MAX_SOURCE_BYTES}-byte limit for one source file")
    if b"\x00" in data:
        raise ValueError(f"{path}: binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def internal_error(exc: Exception) -> Diagnostic:
    """The diagnostic for a failure that no statement-level fallback caught: code nested past what Python's own
    parser takes, or a failure of nnmigrate itself."""
    if isinstance(exc, RecursionError):
        return Diagnostic("NNM001", "the source nests too deeply to parse (Python's own parser stops here too)", None)
    return Diagnostic("NNM103", f"internal error, nothing was migrated ({type(exc).__name__}: {exc}); "
                                "please report it with the source file", None)


def cmd_migrate(args: argparse.Namespace) -> int:
    from nnmigrate.migrate import MigrationError, migrate_source

    try:
        source = read_source(args.src)
        result = migrate_source(source, Framework.parse(args.to), symbol=args.symbol, layout=args.layout,
                                path=args.src)
    except (ValueError, MigrationError) as exc:
        diag = getattr(exc, "diagnostic", None)
        print(diag.format(args.src) if diag else f"nnmigrate: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # noqa: BLE001 - an internal error is reported as a diagnostic, never a traceback
        print(internal_error(exc).format(args.src), file=sys.stderr)
        return EXIT_BAD_INPUT
    for d in result.diagnostics:
        print(d.format(args.src), file=sys.stderr)
    if args.output:
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(result.text, encoding="utf-8")
    else:
        sys.stdout.write(result.text)
    return result.exit_code


def cmd_pivot(args: argparse.Namespace) -> int:
    from nnmigrate.migrate import MigrationError, read_pivot
    from nnmigrate.pivot import nodes
    from nnmigrate.pivot.serialize import dumps

    try:
        module, diagnostics = read_pivot(read_source(args.src))
    except (ValueError, MigrationError) as exc:
        diag = getattr(exc, "diagnostic", None)
        print(diag.format(args.src) if diag else f"nnmigrate: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # noqa: BLE001 - an internal error is reported as a diagnostic, never a traceback
        print(internal_error(exc).format(args.src), file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.symbol:
        module = nodes.PivotModule(module.source_framework,
                                   [s for s in module.body if getattr(s, "name", None) == args.symbol], module.docstring)
        if not module.body:
            print(f"nnmigrate: `{args.symbol}` is not defined in {args.src}", file=sys.stderr)
            return EXIT_BAD_INPUT
    print(dumps(module))
    for d in diagnostics:
        print(d.format(args.src), file=sys.stderr)
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from nnmigrate.verify.run import verify_files

    report = verify_files(args.src, args.out, args.symbol, json.loads(args.args) if args.args else {},
                          args.input, args.device, args.layout, timeout=args.timeout)
    if args.json:
        print(json.dumps(report))
    else:
        print(format_report(report))
    return {"equivalent": 0, "not_equivalent": 1}.get(report["status"], 2)


def format_report(report: dict) -> str:
    lines = [f"{report['status']}: max_abs_diff={report.get('max_abs_diff')} on {report.get('device')} "
             f"in {report.get('seconds', 0):.1f}s"]
    if report.get("message"):
        lines.append(report["message"])
    for row in report.get("per_layer", []):
        lines.append(f"  {row['source']:<40} -> {row['target']:<40} {row['max_abs_diff']:.3g}")
    return "\n".join(lines)


def cmd_serve(args: argparse.Namespace) -> int:
    from nnmigrate.lsp.server import main as serve

    serve()
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nnmigrate", description="Migrate neural-network code between PyTorch and Keras 3.")
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("migrate", help="migrate a file or one class/builder")
    m.add_argument("src")
    m.add_argument("--to", required=True, choices=["tensorflow", "pytorch", "keras", "tf", "torch"])
    m.add_argument("--symbol")
    m.add_argument("-o", "--output")
    m.add_argument("--layout", choices=["native", "preserve"], default="native")
    m.set_defaults(func=cmd_migrate)
    v = sub.add_parser("verify", help="check a migration numerically")
    v.add_argument("src")
    v.add_argument("out")
    v.add_argument("--symbol", required=True)
    v.add_argument("--args", help="JSON object of keyword arguments for the symbol")
    v.add_argument("--input", action="append", required=True, help="e.g. float32[2,3,32,32] or int64[2,16]<1000")
    v.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    v.add_argument("--layout", choices=["native", "preserve"], default="native")
    v.add_argument("--timeout", type=float, default=600.0)
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=cmd_verify)
    p = sub.add_parser("pivot", help="print the pivot model as JSON")
    p.add_argument("src")
    p.add_argument("--symbol")
    p.set_defaults(func=cmd_pivot)
    s = sub.add_parser("serve", help="run the language server on stdio")
    s.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
