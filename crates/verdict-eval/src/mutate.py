# verdict's mutant maker (`verdict tests`): reads {"source", "seed", "max"}
# as JSON on stdin and prints the mutants of `source` as a JSON list, each
# {"id", "operator", "line", "description", "code", "diff"}. Runs in the
# sandbox: the source is untrusted, and only parsed here, never run.
#
# Operators, each applied at one place at a time, in the order of the
# source (line, then column):
#   comparison   <  <=  >  >=  ==  !=  is  is not  in  not in: each to its
#                boundary or negated twin (< to <=, == to !=, in to not in)
#   arithmetic   + to -, - to +, * to /, / to *, // to /, % to *, ** to *
#   boolean      and to or, or to and; `not x` to `x`
#   constant     an int n to n + 1, 0 to 1, a float to itself + 1.0, True to
#                False and back, a non-empty string to "", "" to "X"
#   return       `return x` to `return None`
#   statement    a statement (an assignment, an expression, augmented
#                assignment, return, raise, break, continue) to `pass`
# Identical mutants (the same code) are kept once, and one equal to the
# source is dropped. With more than `max`, a seeded sample of `max` is kept,
# in source order.

import ast
import difflib
import json
import random
import sys

COMPARISONS = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
    ast.In: ast.NotIn, ast.NotIn: ast.In,
}
ARITHMETIC = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div, ast.Mod: ast.Mult, ast.Pow: ast.Mult,
}
SYMBOL = {
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
    ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in", ast.Add: "+",
    ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**",
    ast.And: "and", ast.Or: "or",
}
STATEMENTS = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return, ast.Raise, ast.Break,
              ast.Continue)


def points(tree):
    """Every (node, operator, description, change) in source order; `change`
    mutates the node in place and returns the function that undoes it."""
    found = []

    def add(node, operator, description, change):
        found.append((getattr(node, "lineno", 0), getattr(node, "col_offset", 0), len(found), node,
                      operator, description, change))

    def swap(obj, field, new):
        old = getattr(obj, field)
        setattr(obj, field, new)
        return lambda: setattr(obj, field, old)

    def swap_item(items, index, new):
        old = items[index]
        items[index] = new
        return lambda: items.__setitem__(index, old)

    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                twin = COMPARISONS.get(type(op))
                if twin:
                    add(node, "comparison", "%s -> %s" % (SYMBOL[type(op)], SYMBOL[twin]),
                        lambda n=node, i=i, t=twin: swap_item(n.ops, i, t()))
        elif isinstance(node, (ast.BinOp, ast.AugAssign)):
            twin = ARITHMETIC.get(type(node.op))
            if twin:
                add(node, "arithmetic", "%s -> %s" % (SYMBOL[type(node.op)], SYMBOL[twin]),
                    lambda n=node, t=twin: swap(n, "op", t()))
        elif isinstance(node, ast.BoolOp):
            twin = ast.Or if isinstance(node.op, ast.And) else ast.And
            add(node, "boolean", "%s -> %s" % (SYMBOL[type(node.op)], SYMBOL[twin]),
                lambda n=node, t=twin: swap(n, "op", t()))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            add(node, "boolean", "not x -> x", None)
        elif isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool):
                new = not value
            elif isinstance(value, int):
                new = value + 1
            elif isinstance(value, float):
                new = value + 1.0
            elif isinstance(value, str) and not is_docstring(node):
                new = "" if value else "X"
            else:
                continue
            add(node, "constant", "%r -> %r" % (value, new), lambda n=node, v=new: swap(n, "value", v))
        if isinstance(node, ast.Return) and node.value is not None and not (
                isinstance(node.value, ast.Constant) and node.value.value is None):
            add(node, "return", "return value -> None",
                lambda n=node: swap(n, "value", ast.Constant(value=None)))
    # Statement deletion and `not` removal replace a node in its parent.
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if isinstance(value, list):
                for i, child in enumerate(value):
                    if isinstance(child, STATEMENTS) and not is_docstring_statement(child):
                        add(child, "statement", "%s -> pass" % type(child).__name__.lower(),
                            lambda items=value, i=i: swap_item(items, i, ast.Pass()))
                    elif isinstance(child, ast.UnaryOp) and isinstance(child.op, ast.Not):
                        fix_not(found, child, lambda items=value, i=i, c=child: swap_item(items, i, c.operand))
            elif isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.Not):
                fix_not(found, value, lambda p=parent, f=field, c=value: swap(p, f, c.operand))
    found.sort(key=lambda p: (p[0], p[1], p[2]))
    return [p[3:] for p in found if p[6] is not None]


def fix_not(found, node, change):
    for i, entry in enumerate(found):
        if entry[3] is node and entry[4] == "boolean" and entry[6] is None:
            found[i] = entry[:6] + (change,)


def is_docstring(node):
    return getattr(node, "_docstring", False)


def is_docstring_statement(statement):
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) and \
        isinstance(statement.value.value, str)


def mark_docstrings(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and is_docstring_statement(body[0]):
                body[0].value._docstring = True


def mutants(source, seed, limit):
    tree = ast.parse(source)
    mark_docstrings(tree)
    original = ast.unparse(tree)
    seen = {original}
    made = []
    for node, operator, description, change in points(tree):
        undo = change()
        try:
            code = ast.unparse(ast.fix_missing_locations(tree))
        finally:
            undo()
        if code in seen:
            continue
        seen.add(code)
        made.append({"operator": operator, "line": getattr(node, "lineno", 0), "description": description,
                     "code": code + "\n"})
    if limit and len(made) > limit:
        keep = sorted(random.Random(seed).sample(range(len(made)), limit))
        made = [made[i] for i in keep]
    base = (original + "\n").splitlines(True)
    for i, mutant in enumerate(made):
        mutant["id"] = i
        mutant["diff"] = "".join(difflib.unified_diff(base, mutant["code"].splitlines(True), "original",
                                                      "mutant %d" % i, n=1))
    return made


def main():
    request = json.loads(sys.stdin.read())
    try:
        made = mutants(request["source"], request.get("seed", 0), request.get("max", 0))
    except SyntaxError as exc:
        print(json.dumps({"error": "the program does not parse: %s" % exc}))
        return
    print(json.dumps({"mutants": made}))


main()
