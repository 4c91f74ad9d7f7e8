"""The budget every notice template runs within: Jinja's sandbox, bounded in time and size.

Jinja's sandbox keeps a template from reaching files, programs or the data's internals, but
not from exhausting the machine: ``'x' * 10**9``, ``'{:>1000000000}'.format(1)``, nested
``range`` loops or a macro calling itself would run for minutes, take gigabytes or end in a
RecursionError. Here every way a template builds something large is checked *before* the work
is done, and each document is rendered under a clock and a memory probe:

* any one string a template builds: at most :data:`MAX_TEXT` characters (repetition ``*``,
  ``+`` and ``~``, ``format`` and ``%`` and ``|format``, ``join``, ``replace``, padding…);
  widths and precisions in formats and padding at most :data:`MAX_WIDTH`;
* any one list built with ``*`` or ``+``: at most :data:`MAX_ITEMS` items; ``range``: Jinja's
  100,000;
* calls (macros) nested at most :data:`MAX_DEPTH` deep;
* a document: at most :data:`MAX_OUTPUT` characters and :data:`MAX_LINES` lines of Markdown
  (:data:`MAX_XML_OUTPUT` characters of a Word template's XML), :data:`MAX_SECONDS` seconds,
  and :data:`MAX_MEMORY` bytes more memory than it started with.

Exceeding any of these raises :class:`TemplateLimit` with the reason in Chinese; the caller
turns it into a sentence naming the template.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.filters import (
    do_batch,
    do_center,
    do_format,
    do_indent,
    do_replace,
    do_wordwrap,
    make_attrgetter,
    sync_do_join,
    sync_do_slice,
)
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedFormatter
from jinja2.utils import pass_environment, pass_eval_context
from markupsafe import EscapeFormatter, Markup

MAX_TEXT = 2_000_000  # characters in one string
MAX_ITEMS = 1_000_000  # items in one list built by the template
MAX_RANGE = 100_000  # items in one range()
MAX_WIDTH = 10_000  # format width or precision, padding
MAX_INT_BITS = 100_000  # about 30,000 digits
MAX_DEPTH = 50  # nested calls
MAX_OUTPUT = 5_000_000  # characters of Markdown in one document (some 8,000 pages)
MAX_LINES = 100_000  # lines of Markdown in one document
MAX_XML_OUTPUT = 50_000_000  # characters of XML a Word template renders (a tenth in text)
MAX_SECONDS = 10.0  # to render one document
MAX_MEMORY = 512 * 2**20  # bytes the process may grow by while rendering one document
_PROBE_EVERY = 0.01  # seconds between memory probes


class TemplateLimit(Exception):
    """A template went over its budget; ``reason`` says which limit, in Chinese."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _wan(n: int) -> str:
    return f"{n // 10_000} 万" if n >= 10_000 else f"{n} "


def _too_long(size: int) -> None:
    if size > MAX_TEXT:
        raise TemplateLimit(f"生成的文字超过 {_wan(MAX_TEXT)}个字符")


def _too_many(size: int) -> None:
    if size > MAX_ITEMS:
        raise TemplateLimit(f"生成的列表超过 {_wan(MAX_ITEMS)}项")


def _too_wide(width: Any) -> None:
    if isinstance(width, int) and width > MAX_WIDTH:
        raise TemplateLimit(f"格式宽度或精度超过 {MAX_WIDTH}")


def _checked(value: Any) -> Any:
    if isinstance(value, (str, bytes)):
        _too_long(len(value))
    return value


def process_memory() -> int | None:
    """Bytes this process holds now (resident set), where the platform tells."""
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/self/statm", "rb") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            return None
    if sys.platform == "win32":
        return _windows_memory()
    try:  # macOS and other Unix: the peak, which only grows; enough to notice growth
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak) if sys.platform == "darwin" else int(peak) * 1024
    except (ImportError, OSError):
        return None


def _windows_memory() -> int | None:
    import ctypes
    from ctypes import wintypes

    class Counters(ctypes.Structure):
        _fields_ = [
            ("cb", wintypes.DWORD),
            ("PageFaultCount", wintypes.DWORD),
            ("PeakWorkingSetSize", ctypes.c_size_t),
            ("WorkingSetSize", ctypes.c_size_t),
            ("QuotaPeakPagedPoolUsage", ctypes.c_size_t),
            ("QuotaPagedPoolUsage", ctypes.c_size_t),
            ("QuotaPeakNonPagedPoolUsage", ctypes.c_size_t),
            ("QuotaNonPagedPoolUsage", ctypes.c_size_t),
            ("PagefileUsage", ctypes.c_size_t),
            ("PeakPagefileUsage", ctypes.c_size_t),
        ]

    counters = Counters()
    counters.cb = ctypes.sizeof(Counters)
    try:
        windll = ctypes.windll  # type: ignore[attr-defined]
        process = windll.kernel32.GetCurrentProcess()
        if not windll.psapi.GetProcessMemoryInfo(process, ctypes.byref(counters), counters.cb):
            return None
    except (AttributeError, OSError):
        return None
    return int(counters.WorkingSetSize)


class Budget:
    """The limits of the document being rendered: a deadline, output so far, call depth."""

    def __init__(self, max_output: int = MAX_OUTPUT, max_lines: int | None = MAX_LINES) -> None:
        self.max_output = max_output
        self.max_lines = max_lines
        self.deadline: float | None = None
        self.output = 0
        self.lines = 0
        self.depth = 0
        self._memory_base: int | None = None
        self._next_probe = 0.0

    @contextlib.contextmanager
    def document(self) -> Iterator[None]:
        """Render one document within the limits (the clock starts now)."""
        self.deadline = time.monotonic() + MAX_SECONDS
        self.output = self.lines = self.depth = 0
        self._memory_base = process_memory()
        self._next_probe = 0.0
        try:
            yield
        finally:
            self.deadline = None

    def tick(self) -> None:
        if self.deadline is None:
            return
        now = time.monotonic()
        if now > self.deadline:
            raise TemplateLimit(f"生成一份文件用时超过 {MAX_SECONDS:g} 秒（循环太多）")
        if now >= self._next_probe and self._memory_base is not None:
            self._next_probe = now + _PROBE_EVERY
            used = process_memory()
            if used is not None and used - self._memory_base > MAX_MEMORY:
                raise TemplateLimit(f"占用内存超过 {MAX_MEMORY // 2**20} MB")

    def emit(self, chunk: str) -> None:
        """Count one piece of the document's output."""
        self.output += len(chunk)
        self.lines += chunk.count("\n")
        if self.output > self.max_output:
            raise TemplateLimit(f"生成的文件超过 {_wan(self.max_output)}个字符")
        if self.max_lines is not None and self.lines > self.max_lines:
            raise TemplateLimit(f"生成的文件超过 {_wan(self.max_lines)}行")
        self.tick()


# ------------------------------------------------------------------------------ operators

_PRINTF = re.compile(r"%(?:\(([^)]*)\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.)", re.S)


def _check_printf(fmt: str, values: Any) -> None:
    """``fmt % values`` within the limits: widths, and the size of what it makes."""
    args = values if isinstance(values, tuple) else (values,)
    mapping = values if hasattr(values, "keys") and not isinstance(values, str) else None
    i = 0
    size = len(fmt)
    for m in _PRINTF.finditer(fmt):
        key, width, precision, kind = m.groups()
        widths = []
        for part in (width, precision):
            if part == "*":
                widths.append(args[i] if i < len(args) else 0)
                i += 1
            elif part:
                widths.append(int(part))
        for w in widths:
            _too_wide(w)
        if kind == "%":
            continue
        if mapping is not None and key is not None:
            value = mapping.get(key, "") if hasattr(mapping, "get") else ""
        else:
            value = args[i] if i < len(args) else ""
            i += 1
        size += max([len(str(value)) if kind in "sra" else 32, *[w for w in widths if w]])
        _too_long(size)


def _check_binop(operator: str, left: Any, right: Any) -> None:
    if operator == "*":
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, (str, bytes, list, tuple)) and isinstance(n, int):
                size = len(seq) * max(n, 0)
                _too_long(size) if isinstance(seq, (str, bytes)) else _too_many(size)
        if isinstance(left, int) and isinstance(right, int):
            if left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise TemplateLimit("数字太大")
    elif operator == "**":
        if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0:
            if left.bit_length() * right > MAX_INT_BITS:
                raise TemplateLimit("数字太大")
    elif operator == "+":
        if isinstance(left, (str, bytes)) and isinstance(right, (str, bytes)):
            _too_long(len(left) + len(right))
        elif isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
            _too_many(len(left) + len(right))
    elif operator == "%" and isinstance(left, str):
        _check_printf(left, right)


def _check_method(method: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Check a call of a str/bytes/int method that can build something large; return the
    arguments to call it with (an iterable given to ``join`` is read once, here)."""
    owner: Any = getattr(method, "__self__", None)
    name = getattr(method, "__name__", "")
    if isinstance(owner, (str, bytes)):
        if name in ("ljust", "rjust", "center", "zfill"):
            _too_wide(args[0] if args else kwargs.get("width"))
        elif name == "expandtabs":
            size = args[0] if args else kwargs.get("tabsize", 8)
            _too_wide(size)
            if isinstance(size, int):
                tab = "\t" if isinstance(owner, str) else b"\t"
                _too_long(len(owner) + _count(owner, tab) * size)
        elif name == "join" and args:
            items = _bounded_list(args[0], MAX_TEXT)
            sizes = sum(len(x) if isinstance(x, (str, bytes)) else 0 for x in items)
            _too_long(sizes + len(owner) * max(len(items) - 1, 0))
            args = (items, *args[1:])
        elif name == "replace" and len(args) >= 2:
            old, new = args[0], args[1]
            if type(old) is type(new) is type(owner):
                count = _count(owner, old) if old else len(owner) + 1
                if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
                    count = min(count, args[2])
                _too_long(len(owner) + count * (len(new) - len(old)))
        elif name == "translate":
            table = args[0] if args else None
            if isinstance(table, dict):
                longest = max((len(v) for v in table.values() if isinstance(v, str)), default=1)
                _too_long(len(owner) * max(longest, 1))
            elif table is not None and not isinstance(table, (bytes, bytearray)):
                raise TemplateLimit("不支持这种 translate 用法")
    elif isinstance(owner, int) and name == "to_bytes":
        _too_long(args[0] if args and isinstance(args[0], int) else kwargs.get("length", 1))
    return args


def _count(text: Any, part: Any) -> int:
    return int(text.count(part))


def _bounded_list(iterable: Iterable[Any], limit: int) -> list[Any]:
    items = list(itertools.islice(iterable, limit + 1))
    if len(items) > limit:
        raise TemplateLimit(f"生成的列表超过 {_wan(limit)}项")
    return items


# ------------------------------------------------------------------------------ str.format


_SPEC = re.compile(r"^(?:.?[<>=^])?[-+ ]?z?#?0?(\d*)[,_]?(?:\.(\d+))?[a-zA-Z%]?$", re.S)


class _Formatter(SandboxedFormatter):
    """``str.format`` with bounded widths and a bounded result."""

    _size = 0

    def format_field(self, value: Any, format_spec: str) -> Any:
        m = _SPEC.match(format_spec)
        if m:
            for part in m.groups():
                if part:
                    _too_wide(int(part))
        result = super().format_field(value, format_spec)
        self._size += len(result)
        _too_long(self._size)
        return result


class _EscapeFormatter(_Formatter, EscapeFormatter):
    pass


# ------------------------------------------------------------------------------ filters


@pass_eval_context
def _join(eval_ctx: Any, value: Any, d: Any = "", attribute: Any = None) -> Any:
    items = _bounded_list(value, MAX_TEXT)
    if attribute is not None:
        items = list(map(make_attrgetter(eval_ctx.environment, attribute), items))
    texts = [x if isinstance(x, str) else str(x) for x in items]
    _too_long(sum(map(len, texts)) + len(str(d)) * max(len(texts) - 1, 0))
    return sync_do_join(eval_ctx, items, d)


@pass_eval_context
def _replace(eval_ctx: Any, s: Any, old: Any, new: Any, count: Any = None) -> Any:
    text, old_text, new_text = str(s), str(old), str(new)
    n = text.count(old_text) if old_text else len(text) + 1
    if isinstance(count, int) and count >= 0:
        n = min(n, count)
    _too_long(len(text) + n * (len(new_text) - len(old_text)))
    return do_replace(eval_ctx, s, old, new, count)


def _center(value: Any, width: Any = 80) -> Any:
    _too_wide(width)
    return do_center(value, width)


def _indent(s: Any, width: Any = 4, first: bool = False, blank: bool = False) -> Any:
    size = len(width) if isinstance(width, str) else width
    _too_wide(size)
    if isinstance(size, int):
        _too_long(len(str(s)) + (str(s).count("\n") + 2) * size)
    return do_indent(s, width, first, blank)


@pass_environment
def _wordwrap(
    env: Any,
    s: Any,
    width: Any = 79,
    break_long_words: bool = True,
    wrapstring: Any = None,
    break_on_hyphens: bool = True,
) -> Any:
    _too_wide(width)
    _too_long((len(str(s)) + 1) * (1 + len(str(wrapstring or "\n"))))
    return do_wordwrap(env, s, width, break_long_words, wrapstring, break_on_hyphens)


def _format(value: Any, *args: Any, **kwargs: Any) -> Any:
    _check_printf(str(value), kwargs or args)
    return do_format(value, *args, **kwargs)


def _batch(value: Any, linecount: Any, fill_with: Any = None) -> Any:
    if fill_with is not None and isinstance(linecount, int):
        _too_many(linecount)
    return do_batch(value, linecount, fill_with)


def _slice(value: Any, slices: Any, fill_with: Any = None) -> Any:
    if isinstance(slices, int):
        _too_many(slices)
    return sync_do_slice(value, slices, fill_with)


@pass_environment
def _sum(env: Any, iterable: Any, attribute: Any = None, start: Any = 0) -> Any:
    if attribute is not None:
        iterable = map(make_attrgetter(env, attribute), iterable)
    total = start
    for item in iterable:
        total = total + item
        if isinstance(total, (str, bytes)):
            _too_long(len(total))
        elif isinstance(total, (list, tuple)):
            _too_many(len(total))
    return total


_CHECKED_FILTERS: dict[str, Callable[..., Any]] = {
    "join": _join,
    "replace": _replace,
    "center": _center,
    "indent": _indent,
    "wordwrap": _wordwrap,
    "format": _format,
    "batch": _batch,
    "slice": _slice,
    "sum": _sum,
}
# Filters a notice has no use for and whose cost cannot be bounded beforehand (regular
# expressions over text of any length).
_DROPPED_FILTERS = ("urlize",)


def _safe_range(*args: Any) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateLimit(f"range 超过 {_wan(MAX_RANGE)}项")
    return numbers


# ------------------------------------------------------------------------------ compiling


class _BudgetCodeGenerator(CodeGenerator):
    """Jinja's code generator, with every loop step and every ``~`` checked."""

    def visit_For(self, node: nodes.For, frame: Frame) -> None:  # noqa: N802
        # {% for x in items %} runs as {% for x in environment.budget_iter(items) %}
        it = node.iter
        if not (isinstance(it, nodes.Call) and isinstance(it.node, nodes.EnvironmentAttribute)):
            hook = nodes.EnvironmentAttribute("budget_iter", lineno=it.lineno)
            node.iter = nodes.Call(hook, [it], [], None, None, lineno=it.lineno)
        super().visit_For(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:  # noqa: N802
        self.write("environment.budget_text(")
        super().visit_Concat(node, frame)
        self.write(")")


class BudgetedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with a budget (see the module's docstring)."""

    code_generator_class = _BudgetCodeGenerator
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, *args: Any, xml: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.budget = Budget(MAX_XML_OUTPUT, None) if xml else Budget()
        self.globals["range"] = _safe_range
        self.globals.pop("lipsum", None)
        for name in _DROPPED_FILTERS:
            self.filters.pop(name, None)
        for name, f in list(self.filters.items()):
            self.filters[name] = self._counted(_CHECKED_FILTERS.get(name, f))

    def _counted(self, f: Callable[..., Any]) -> Callable[..., Any]:
        budget = self.budget

        @functools.wraps(f)
        def checked(*args: Any, **kwargs: Any) -> Any:
            budget.tick()
            return _checked(f(*args, **kwargs))

        return checked

    # -- hooks of the sandbox

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        self.budget.tick()
        _check_binop(operator, left, right)
        return _checked(self.binop_table[operator](left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        budget = __self.budget
        budget.tick()
        args = _check_method(__obj, args, kwargs)
        if budget.depth >= MAX_DEPTH:
            raise TemplateLimit(f"宏或函数的调用嵌套超过 {MAX_DEPTH} 层")
        budget.depth += 1
        try:
            result = super().call(__context, __obj, *args, **kwargs)
        finally:
            budget.depth -= 1
        return _checked(result)

    def getattr(self, obj: Any, attribute: str) -> Any:
        self.budget.tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        self.budget.tick()
        return super().getitem(obj, argument)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format`` and ``format_map`` through :class:`_Formatter` (bounded)."""
        if getattr(value, "__name__", None) not in ("format", "format_map"):
            return None
        owner = getattr(value, "__self__", None)
        if not isinstance(owner, str):
            return None
        formatter = (
            _EscapeFormatter(self, escape=owner.escape)
            if isinstance(owner, Markup)
            else _Formatter(self)
        )
        kind = type(owner)
        is_map = value.__name__ == "format_map"

        def wrapper(*args: Any, **kwargs: Any) -> str:
            if is_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                kwargs, args = args[0], ()
            formatter._size = 0
            return kind(formatter.vformat(owner, args, kwargs))

        return functools.update_wrapper(wrapper, value)

    # -- called by the compiled template (see _BudgetCodeGenerator)

    def budget_iter(self, iterable: Iterable[Any]) -> Iterator[Any]:
        tick = self.budget.tick
        for item in iterable:
            tick()
            yield item

    def budget_text(self, text: Any) -> Any:
        self.budget.tick()
        return _checked(text)

    def concat(self, chunks: Iterable[str]) -> str:  # type: ignore[override]
        """The document's text, counted piece by piece as the template yields it."""
        emit = self.budget.emit
        out = []
        for chunk in chunks:
            emit(chunk)
            out.append(chunk)
        return "".join(out)
