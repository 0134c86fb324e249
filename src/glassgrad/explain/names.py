"""Names for tensors in explanations, read from the user's source lines (never from glassgrad's state).

`target(site)` is what a line assigns to (`c` in `c = d * 2`); `receiver(site, attr)` the expression an
attribute or method was taken from (`a` in `d = a.detach()`); `argument(site, func)` the first argument of
a call (`t` in `torch.tensor(t)`); `local_name(t)` the name a caller's frame binds to a tensor. All are
best effort: None when the line does not say.
"""
import ast
import functools
import sys

from .record import PKG_DIR

__all__ = ["target", "receiver", "call", "is_name", "argument", "local_name", "assignment_before"]


@functools.lru_cache(maxsize=512)
def _parse(text):
    for src in (text, text.rstrip(":") + ": pass", text + "\n  pass"):
        try:
            return ast.parse(src)
        except SyntaxError:
            continue
    return None


def _tree(site):
    if site is None:
        return None
    text = site.text
    return _parse(text) if text else None


def target(site):
    """The name (or expression) the statement at `site` assigns to."""
    tree = _tree(site)
    if tree is None or not tree.body:
        return None
    stmt = tree.body[0]
    if isinstance(stmt, ast.Assign):
        node = stmt.targets[0]
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        node = stmt.target
    elif isinstance(stmt, (ast.With, ast.For)) and isinstance(getattr(stmt, "target", None), ast.AST):
        node = stmt.target
    else:
        return None
    if isinstance(node, ast.Tuple):
        return None
    return ast.unparse(node)


def receiver(site, attrs):
    """The expression `attrs` (a name or a tuple of names) was taken from on the line at `site`."""
    tree = _tree(site)
    if tree is None:
        return None
    attrs = (attrs,) if isinstance(attrs, str) else attrs
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in attrs:
            return ast.unparse(node.value)
    return None


def receivers(site, attr):
    """Every expression `attr` is taken from on the line at `site`, in source order."""
    tree = _tree(site)
    if tree is None:
        return []
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == attr]
    return [ast.unparse(n.value) for n in sorted(found, key=lambda n: n.col_offset)]


def call(site, attrs):
    """The whole call (or attribute) expression that took one of `attrs` at `site`: `(a * 2).detach()`."""
    tree = _tree(site)
    if tree is None:
        return None
    attrs = (attrs,) if isinstance(attrs, str) else attrs
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in attrs:
            return ast.unparse(node)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in attrs:
            return ast.unparse(node)
    return None


def is_plain_call(site, attrs):
    """Whether the line is exactly `target = name.<attr>()` (nothing else computed on it)."""
    tree = _tree(site)
    if tree is None or not tree.body or not isinstance(tree.body[0], ast.Assign):
        return False
    value = tree.body[0].value
    return (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in attrs
            and isinstance(value.func.value, (ast.Name, ast.Attribute)))


def is_name(expr):
    return bool(expr) and expr.replace("_", "a").replace(".", "a").isalnum() and not expr[0].isdigit()


def argument(site, funcs):
    """The first argument of a call to one of `funcs` (by the called name's last part) at `site`."""
    tree = _tree(site)
    if tree is None:
        return None
    funcs = (funcs,) if isinstance(funcs, str) else funcs
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
            if name in funcs:
                return ast.unparse(node.args[0])
    return None


def local_name(t, depth=1):
    """The name the user's code gives `t`: in a module's frame the global bound to it; in a function's frame
    the expression on the current line (`loss` in `loss.backward()`, `c` in `torch.explain(c)`)."""
    from .record import Site
    f = sys._getframe(depth)
    while f is not None and f.f_code.co_filename.startswith(PKG_DIR):
        f = f.f_back
    if f is None:
        return None
    if f.f_code.co_name == "<module>":
        for name, value in f.f_globals.items():
            if value is t and not name.startswith("_"):
                return name
    # NOTE: a function frame's f_locals is not read: on Python < 3.13 that keeps a snapshot of its locals alive
    site = Site(f.f_code.co_filename, f.f_lineno, f.f_code.co_name)
    name = argument(site, ("explain", "why_none", "draw")) or receiver(site, ("backward", "explain", "grad"))
    return name if is_name(name) else None


def assignment_before(site, name, max_back=200):
    """The line number of the last plain assignment to `name` before `site` in the same file."""
    import linecache
    import re
    pattern = re.compile(rf"^\s*{re.escape(name)}\s*(?::[^=]*)?=(?!=)")
    for line in range(site.line - 1, max(0, site.line - max_back), -1):
        if pattern.match(linecache.getline(site.file, line)):
            return line
    return None
