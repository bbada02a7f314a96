# The helpers ENAMEL's input generators call (enam/datautils.py of
# q-rz/enamel @ b97da79), written for verdict. A generator's inputs are
# those of ENAMEL only if these draw the same random numbers in the same
# order: every call to `random` below mirrors one there.
import random
import string


def rand_parens(size, valid=True, par="()", sep=""):
    """Random parentheses: `size` (rounded up to even) balanced ones as a
    list of top-level groups joined by `sep` (a list when `sep` is None);
    or, not `valid`, two balanced halves around a closing-opening pair."""
    if not valid:
        assert sep == ""
        half = (size + 1) // 2 - 1
        return (rand_parens(half, True, par) + par[1] + par[0]
                + rand_parens(half, True, par))
    size += size % 2
    groups = []
    depth = 0
    for i in range(size):
        # `random.randint` is drawn only when both moves are possible.
        opening = depth == 0 or (depth < size - i and random.randint(0, 1))
        if opening:
            if depth == 0:
                groups.append([])
            groups[-1].append(par[0])
            depth += 1
        else:
            groups[-1].append(par[1])
            depth -= 1
    groups = ["".join(group) for group in groups]
    return groups if sep is None else sep.join(groups)


def miller_rabin(n, k=5):
    """Miller-Rabin with `k` random witnesses."""
    if n in (2, 3):
        return True
    if n == 1 or n % 2 == 0:
        return False
    r, d = 0, n - 1
    while d % 2 == 0:
        r, d = r + 1, d // 2
    for _ in range(k):
        x = pow(random.randint(2, n - 2), d, n)
        if x == 1 or x == n - 1:
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def rand_probably_prime(lb, ub=None):
    """A probable prime in [lb, ub]; with no `ub`, in [lb // 2, lb]
    (Bertrand's postulate), lb at least 3."""
    if ub is None:
        lb = max(lb, 3)
        lb, ub = lb // 2, lb
    else:
        lb = max(lb, 0)
        ub = max(lb * 2, ub, 3)
    while True:
        p = random.randint(lb, ub)
        if miller_rabin(p):
            return p


def rand_primality(size, lid, cid):
    """A number whose primality is to be decided: fixed hard cases first
    (a Euclid composite, a Carmichael number, 2, 125), then in turn a
    probable prime, a prime's square, and a product of two primes."""
    size = max(size, 4)
    fixed = {(0, 0): 2 * 3 * 5 * 7 * 11 * 13 + 1, (0, 1): 561, (0, 2): 2, (0, 3): 125}
    if (lid, cid) in fixed:
        return fixed[(lid, cid)]
    if cid % 3 == 0:
        return rand_probably_prime(size)
    root = int(size ** 0.5 + 1)
    if cid % 3 == 1:
        return rand_probably_prime(root) ** 2
    return rand_probably_prime(root) * rand_probably_prime(root)
