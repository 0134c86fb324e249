"""The `glassgrad` command line."""
import argparse
import runpy
import sys

__all__ = ["main"]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="glassgrad", description="Autograd that explains its gradients.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser("demo", help="run the article's three scenarios and explain each")
    demo.set_defaults(func=_demo)
    ex = sub.add_parser("explain", help="run a script with recording on and report every lost or broken gradient")
    ex.add_argument("--torch-compat", action="store_true",
                    help="resolve `import torch` (and its submodules) to glassgrad; emulate cuda on the CPU")
    ex.add_argument("--json", metavar="FILE", help="write the findings to FILE as a JSON list")
    ex.add_argument("--html", metavar="FILE", help="write a self-contained HTML report to FILE")
    ex.add_argument("--strict", action="store_true", help="raise at the silent cuts themselves")
    ex.add_argument("script", help="the Python script to run as __main__")
    ex.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to the script")
    ex.set_defaults(func=_explain)
    args = parser.parse_args(argv)
    if args.version:
        from . import __version__
        print(f"glassgrad {__version__}")
        return 0
    if args.command is None:
        parser.print_help()
        return 0
    return args.func(args)


def _explain(args):
    from .explain.session import run
    return run(args.script, args.args, json_file=args.json, html_file=args.html, strict=args.strict,
               torch_compat=args.torch_compat)


def _demo(args):
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [os.path.join(here, "..", "..", "examples", "seed_scenarios.py")]
    for path in candidates:
        if os.path.exists(path):
            runpy.run_path(path, run_name="__main__")
            return 0
    print("glassgrad demo: examples/seed_scenarios.py is part of the source checkout, not the installed package",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
