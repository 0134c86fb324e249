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
    run = sub.add_parser("run", help="run an unchanged PyTorch script on glassgrad (`import torch` gives glassgrad)")
    run.add_argument("script", help="the Python script to run as __main__")
    run.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to the script")
    run.set_defaults(func=_run)
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


def _run(args):
    """`glassgrad run SCRIPT ARGS...`: as `python SCRIPT ARGS...` with torch resolved to glassgrad, down to the
    exit status (SystemExit passes through) and the traceback of an uncaught exception, which starts at the
    script's own frame as Python's would."""
    import os
    import traceback
    from .torch_compat import run_script
    try:
        run_script(args.script, args.args)
    except (SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - reported as the interpreter reports an uncaught exception
        sys.stdout.flush()
        script = os.path.abspath(args.script)
        tb = exc.__traceback__
        while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != script:
            tb = tb.tb_next
        traceback.print_exception(type(exc), exc, tb or exc.__traceback__)
        return 130 if isinstance(exc, KeyboardInterrupt) else 1
    return 0


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
