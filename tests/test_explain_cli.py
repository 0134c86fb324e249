"""`glassgrad explain SCRIPT`: the script's output, argv and exit status are kept; findings go to stderr, to
--json and to --html; --torch-compat runs unchanged PyTorch code; --strict raises at the silent cut."""
import json
import shutil
import subprocess
import sys
import textwrap

import pytest


def _run(tmp_path, source, *flags, args=()):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    out = tmp_path / "findings.json"
    proc = subprocess.run([sys.executable, "-m", "glassgrad", "explain", *flags, "--json", str(out), str(script),
                           *args], capture_output=True, text=True, timeout=120)
    return proc, json.loads(out.read_text())


def test_correct_script_keeps_output_argv_status_and_has_no_findings(tmp_path):
    proc, findings = _run(tmp_path, """
        import sys
        import glassgrad as torch
        w = torch.randn(3, requires_grad=True)
        (w * 2).sum().backward()
        print("grad", w.grad.tolist(), sys.argv[1:])
        sys.exit(4)
    """, args=("--lr", "0.1"))
    assert proc.returncode == 4
    assert proc.stdout == "grad [2.0, 2.0, 2.0] ['--lr', '0.1']\n"
    assert findings == []
    assert "no findings" in proc.stderr


def test_finding_names_the_cut_line_and_the_fix(tmp_path):
    proc, findings = _run(tmp_path, """
        import glassgrad as torch
        a = torch.tensor([1., 2.], requires_grad=True)
        d = a.detach()
        (d * 2).sum().backward()
    """)
    assert proc.returncode == 1 and "element 0 of tensors does not require grad" in proc.stderr
    (f,) = findings
    assert (f["kind"], f["line"], f["text"]) == ("detach", 4, "d = a.detach()")
    assert f["file"].endswith("script.py") and "Use `a` instead of `d`" in f["fix"]
    assert {"file", "line", "text", "role"} <= set(f["related"][0])


def test_torch_compat_runs_pytorch_code_and_emulates_cuda(tmp_path):
    proc, findings = _run(tmp_path, """
        import torch
        import torch.nn.functional as F
        w = torch.randn(3, requires_grad=True).cuda()
        F.mse_loss(torch.ones(2, 3) @ w, torch.zeros(2)).backward()
        print(w.is_cuda, w.is_leaf, type(w.grad_fn).__name__)
        w.grad
    """, "--torch-compat")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "False", "ToCopyBackward0"]
    kinds = {(f["kind"], f["line"]) for f in findings}
    assert ("non_leaf_grad", 4) in kinds


def test_strict_raises_at_the_silent_cut(tmp_path):
    proc, findings = _run(tmp_path, """
        import glassgrad as torch
        a = torch.tensor([1., 2.], requires_grad=True)
        b = a.data * 2
    """, "--strict")
    assert proc.returncode == 1
    assert "StrictModeError" in proc.stderr and "line 4" in proc.stderr


def test_html_report_is_written(tmp_path):
    script = tmp_path / "s.py"
    script.write_text("import glassgrad as torch\nx = torch.ones(2, requires_grad=True)\nx.detach().sum().backward()\n")
    html = tmp_path / "r.html"
    proc = subprocess.run([sys.executable, "-m", "glassgrad", "explain", "--html", str(html), str(script)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    page = html.read_text()
    assert page.startswith("<!DOCTYPE html>") and "x.detach()" in page
    # the drawing of what backward ran on: inline SVG, or its DOT source where Graphviz's dot is missing
    assert ("<svg" in page) == (shutil.which("dot") is not None) and "no history" in page
