"""The order in which PyTorch's CPU topk leaves tied values: it selects with C++'s std::partial_sort (when
k * 64 <= n) or std::nth_element followed by std::sort of the first k - 1, and the order those leave equal
elements in is the GNU implementation's (introselect / introsort with a median-of-three pivot, heap selection,
insertion sort below 16 elements). multinomial without replacement is a topk of p / Exp(1) keys, where every
zero-probability category ties at 0, so reproducing its result needs this order.

Plain Python over a list of (value, index) pairs: it runs only for rows that have ties (see
draws.multinomial_race); elsewhere any correct selection gives the same answer.

    >>> topk_indices([0.5, 0.0, 0.0, 0.5, 0.0, 0.2], 6)
    [0, 3, 5, 2, 4, 1]
"""

__all__ = ["topk_indices"]

_THRESHOLD = 16  # below this many elements std::sort finishes with insertion sort


def topk_indices(values, k):
    """The indices of the k largest `values` (a list), in the order PyTorch's topk(sorted=True) returns them."""
    v = [(x, i) for i, x in enumerate(values)]
    n = len(v)
    if k * 64 <= n:
        _partial_sort(v, 0, k, n)
    else:
        _nth_element(v, 0, k - 1, n)
        _sort(v, 0, k - 1)
    return [i for _, i in v[:k]]


def _before(a, b):
    """The comparator: larger values first (no NaN reaches here)."""
    return a[0] > b[0]


def _median_to_first(v, result, a, b, c):
    """Moves the median of v[a], v[b], v[c] to v[result]."""
    if _before(v[a], v[b]):
        m = b if _before(v[b], v[c]) else (c if _before(v[a], v[c]) else a)
    elif _before(v[a], v[c]):
        m = a
    else:
        m = c if _before(v[b], v[c]) else b
    v[result], v[m] = v[m], v[result]


def _partition(v, first, last, pivot):
    """Hoare partition of v[first:last] around v[pivot], without bounds checks (the pivot stops both scans)."""
    while True:
        while _before(v[first], v[pivot]):
            first += 1
        last -= 1
        while _before(v[pivot], v[last]):
            last -= 1
        if not first < last:
            return first
        v[first], v[last] = v[last], v[first]
        first += 1


def _cut(v, first, last):
    _median_to_first(v, first, first + 1, first + (last - first) // 2, last - 1)
    return _partition(v, first + 1, last, first)


def _insertion_sort(v, first, last):
    for i in range(first + 1, last):
        val = v[i]
        if _before(val, v[first]):
            v[first + 1:i + 1] = v[first:i]
            v[first] = val
        else:
            _linear_insert(v, i)


def _linear_insert(v, i):
    val = v[i]
    while _before(val, v[i - 1]):
        v[i] = v[i - 1]
        i -= 1
    v[i] = val


def _sift(v, first, hole, length, value):
    """Moves the hole down to a leaf along the larger children, then pushes `value` up from there."""
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if _before(v[first + child], v[first + child - 1]):
            child -= 1
        v[first + hole] = v[first + child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        v[first + hole] = v[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and _before(v[first + parent], value):
        v[first + hole] = v[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    v[first + hole] = value


def _make_heap(v, first, last):
    length = last - first
    for parent in range((length - 2) // 2, -1, -1):
        _sift(v, first, parent, length, v[first + parent])


def _pop_to(v, first, last, result):
    value = v[result]
    v[result] = v[first]
    _sift(v, first, 0, last - first, value)


def _heap_select(v, first, middle, last):
    _make_heap(v, first, middle)
    for i in range(middle, last):
        if _before(v[i], v[first]):
            _pop_to(v, first, middle, i)


def _partial_sort(v, first, middle, last):
    _heap_select(v, first, middle, last)
    while middle - first > 1:
        middle -= 1
        _pop_to(v, first, middle, middle)


def _nth_element(v, first, nth, last):
    if first == last or nth == last:
        return
    depth = 2 * ((last - first).bit_length() - 1)
    while last - first > 3:
        if depth == 0:
            _heap_select(v, first, nth + 1, last)
            v[first], v[nth] = v[nth], v[first]
            return
        depth -= 1
        cut = _cut(v, first, last)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(v, first, last)


def _introsort(v, first, last, depth):
    while last - first > _THRESHOLD:
        if depth == 0:
            _partial_sort(v, first, last, last)
            return
        depth -= 1
        cut = _cut(v, first, last)
        _introsort(v, cut, last, depth)
        last = cut


def _sort(v, first, last):
    if last - first < 2:
        return
    _introsort(v, first, last, 2 * ((last - first).bit_length() - 1))
    if last - first > _THRESHOLD:
        _insertion_sort(v, first, first + _THRESHOLD)
        for i in range(first + _THRESHOLD, last):
            _linear_insert(v, i)
    else:
        _insertion_sort(v, first, last)
