"""The files a run writes: checked before anything else, written all or nothing.

Each output path must name a file (``--plot`` gets ``.png`` when it has no suffix) in a
writable directory, and no file may play two roles (the input, ``--output``, ``--plot``).
:func:`staged` writes to temporary files beside the outputs and renames them over the
old files only once all are complete.
"""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ._csv import check_input_file
from ._messages import LOG, CLIError

def _output_path(text, option, suffix=None):
    """The file ``option`` will write (``suffix`` added when it has none), or None."""
    if not text:
        return None
    path = Path(text)
    if text.endswith(("/", os.sep)) or path.is_dir():
        raise CLIError(f"{option} {text} is a directory; give a file name, e.g. "
                       f"{option} {path / ('forecast' + (suffix or '.csv'))}")
    if suffix and not path.suffix:
        path = path.with_name(path.name + suffix)
    if not path.parent.is_dir():
        raise CLIError(f"{option} {text}: directory {path.parent} does not exist; create "
                       f"it or choose another {option}")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise CLIError(f"{option} {text}: directory {path.parent} is not writable; choose "
                       f"another {option}")
    if path.exists() and not os.access(path, os.W_OK):
        raise CLIError(f"{option} {text} exists and is read-only; choose another {option}")
    return path


def _same_file(a, b):
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def _check_distinct(named):
    """Refuse two roles for one file; ``named``: (label, text, path) with FILE first."""
    seen = []
    for label, text, path in (n for n in named if n[2] is not None):
        for other_label, other_text, other in seen:
            if not _same_file(path, other):
                continue
            if other_label == "FILE":
                raise CLIError(f"{label} {text} is the input file {other_text}; writing it "
                               f"would replace the data, choose another {label}")
            raise CLIError(f"{other_label} {other_text} and {label} {text} are the same "
                           "file; give them different names")
        seen.append((label, text, path))


def _check_plot_format(path, text):
    from matplotlib.backend_bases import FigureCanvasBase

    formats = FigureCanvasBase.get_supported_filetypes()
    if path.suffix[1:].lower() not in formats:
        raise CLIError(f"--plot {text}: matplotlib cannot write {path.suffix} files; end the "
                       f"name with one of {', '.join('.' + f for f in sorted(formats))}")


def check_outputs(args):
    """{option: Path or None} of the files the run writes, all checked."""
    check_input_file(Path(args.file))
    texts = {"--output": args.output, "--plot": getattr(args, "plot", None)}
    paths = {"--output": _output_path(texts["--output"], "--output"),
             "--plot": _output_path(texts["--plot"], "--plot", ".png")}
    _check_distinct([("FILE", args.file, Path(args.file)),
                     *((option, texts[option], paths[option]) for option in paths)])
    if paths["--plot"] is not None:
        _check_plot_format(paths["--plot"], texts["--plot"])
    return paths


def _file_mode(path):
    """Permissions for ``path``: those of the file it replaces, else what the umask allows."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def staged(paths):
    """{path: temporary path} beside each path; renamed over them if the block succeeds."""
    temporary = {}
    try:
        for path in paths:
            handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part",
                                            dir=path.parent)
            os.close(handle)
            temporary[path] = Path(name)
        yield temporary
        for path, part in temporary.items():
            os.chmod(part, _file_mode(path))
        for path, part in temporary.items():
            os.replace(part, path)
    finally:
        for part in temporary.values():
            part.unlink(missing_ok=True)


def write_forecast(table, history, outputs):
    """The forecast table and plot, all written or none; then where they went."""
    paths = [p for p in outputs.values() if p is not None]
    with staged(paths) as part:
        if outputs["--output"] is not None:
            table.to_csv(part[outputs["--output"]], index_label=history.index.name or "date")
        if outputs["--plot"] is not None:
            from ..plotting import plot_forecast
            ax = plot_forecast(history, table, title=f"{history.name}: {len(table)}-step "
                               "forecast", history_tail=max(4 * len(table), 48))
            ax.figure.savefig(part[outputs["--plot"]], dpi=110, bbox_inches="tight",
                              format=outputs["--plot"].suffix[1:].lower())
    for option, what in (("--output", "Forecast"), ("--plot", "Plot")):
        if outputs[option] is not None:
            LOG.info(f"{what} written to {outputs[option]}")
