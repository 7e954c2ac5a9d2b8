# SPDX-License-Identifier: GPL-2.0
"""The report's plots: gnuplot draws them all in one run as SVG, which the page embeds inline.

Only Python's standard library is used."""

import os
import re
import subprocess

from gmembench_html import e

# One colour per backend, the same in every plot (Paul Tol's "bright" and "muted" schemes,
# distinguishable by colour-blind readers).
PALETTE = ("#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#332288",
           "#999933", "#882255", "#44aa99", "#bbbbbb")


class Failure(Exception):
    """Reporting failed after the input was accepted: exit 1."""


def gp_string(text):
    """TEXT as a gnuplot single-quoted string (no escapes inside but a doubled quote)."""
    return "'" + str(text).replace("\n", " ").replace("'", "''") + "'"


class Plots:
    """Collects plots as gnuplot commands with their data in a temporary directory, renders
    them all with one gnuplot run, and gives each back as SVG markup to embed inline."""

    def __init__(self, gnuplot, tmpdir, colours):
        self.gnuplot = gnuplot
        self.tmpdir = tmpdir
        self.colours = colours
        self.scripts = []

    def colour(self, backend):
        return self.colours.get(backend, PALETTE[-1])

    def _data(self, blocks):
        """Writes a data file of blocks (gnuplot's `index`) of rows of numbers; its path."""
        path = os.path.join(self.tmpdir, f"plot{len(self.scripts)}.dat")
        with open(path, "w") as f:
            for block in blocks:
                for row in block:
                    f.write(" ".join(repr(float(v)) for v in row) + "\n")
                f.write("\n\n")  # two blank lines end a gnuplot data block
        return path

    def _add(self, title, commands):
        """Queues one plot; returns its number, its index in render()'s list."""
        n = len(self.scripts)
        out = os.path.join(self.tmpdir, f"plot{n}.svg")
        self.scripts.append((title, f"reset\nset output {gp_string(out)}\n"
                             f"set title {gp_string(title)}\n" + commands))
        return n

    def bars(self, title, ylabel, bars):
        """Bar chart, one bar per (backend, median, ci_low, ci_high), with whiskers (drawn as
        vectors: gnuplot's error bars leave a blank disc around the point, here the median).
        The y axis starts at 0, or below for a negative value ([0:*] would draw nothing)."""
        data = self._data([[(i, med, lo, hi, int(self.colour(be)[1:], 16))
                            for i, (be, med, lo, hi) in enumerate(bars)]])
        tics = ", ".join(f"{gp_string(be)} {i}" for i, (be, *_) in enumerate(bars))
        return self._add(title, f"""\
set xtics ({tics}) nomirror{' rotate by -30' if len(bars) > 5 else ''}
set xrange [-0.6:{len(bars) - 0.4}]
set yrange [*<0:0<*]
set ytics nomirror
set format y '%.1s%c'
set ylabel {gp_string(ylabel)}
set grid ytics lc rgb '#dddddd'
set style fill solid 0.85 border lc rgb '#333333'
set boxwidth 0.6
set offsets 0, 0, graph 0.08, 0
plot {gp_string(data)} using 1:2:5 with boxes lc rgb variable notitle, \\
     '' using 1:3:(0):($4 - $3) with vectors heads size screen 0.008,90 lc rgb '#222222' \\
        lw 1.5 notitle, \\
     '' using 1:4:(gprintf('%.1s%c', $2)) with labels offset 0,0.8 font ',10' notitle
""")

    def cdf(self, title, xlabel, series):
        """Empirical CDF, one step line per (backend, values)."""
        blocks = []
        for _, values in series:
            v = sorted(values)
            # From 0 at the smallest value, up by 1/n at each value (gnuplot `steps` draws
            # the horizontal part first).
            blocks.append([(v[0], 0.0)] + [(x, (i + 1) / len(v)) for i, x in enumerate(v)])
        data = self._data(blocks)
        plots = ", \\\n     ".join(
            f"{gp_string(data)} index {i} using 1:2 with steps lw 2 lc rgb "
            f"'{self.colour(be)}' title {gp_string(be)}" for i, (be, _) in enumerate(series))
        return self._add(title, f"""\
set xlabel {gp_string(xlabel)}
set ylabel 'fraction of samples'
set yrange [0:1.02]
set format x '%.1s%c'
set grid lc rgb '#dddddd'
set key bottom right box opaque
plot {plots}
""")

    def scaling(self, title, ylabel, series):
        """Rate against vCPU count, one line per (label, backend, [(vcpus, med, lo, hi)]); the
        y axis as in bars()."""
        blocks = [points for _, _, points in series]
        data = self._data(blocks)
        counts = sorted({p[0] for points in blocks for p in points})
        plots = ", \\\n     ".join(
            f"{gp_string(data)} index {i} using 1:2:3:4 with yerrorlines lw 2 pt 7 "
            f"lc rgb '{self.colour(be)}' title {gp_string(label)}"
            for i, (label, be, _) in enumerate(series))
        return self._add(title, f"""\
set xlabel 'vCPUs'
set ylabel {gp_string(ylabel)}
set xtics ({', '.join(str(c) for c in counts)})
set xrange [{counts[0] - 0.5}:{counts[-1] + 0.5}]
set yrange [*<0:0<*]
set format y '%.1s%c'
set grid lc rgb '#dddddd'
set key top left box opaque
plot {plots}
""")

    def over_size(self, title, ylabel, series):
        """Rate against block size on a log axis, one line per (label, [(bytes, med, lo, hi)]),
        each line its own colour: where two modes' curves cross shows."""
        blocks = [sorted(points) for _, points in series]
        data = self._data(blocks)
        sizes = sorted({p[0] for points in blocks for p in points})
        tics = ", ".join(f"{gp_string(size_name(s))} {s}" for s in sizes)
        plots = ", \\\n     ".join(
            f"{gp_string(data)} index {i} using 1:2:3:4 with yerrorlines lw 2 pt 7 "
            f"lc rgb '{PALETTE[i % len(PALETTE)]}' title {gp_string(label)}"
            for i, (label, _) in enumerate(series))
        return self._add(title, f"""\
set logscale x 2
set xlabel 'block size'
set ylabel {gp_string(ylabel)}
set xtics ({tics})
set xrange [{sizes[0] / 1.5}:{sizes[-1] * 1.5}]
set yrange [*<0:0<*]
set format y '%.1s%c'
set grid lc rgb '#dddddd'
set key top left box opaque
plot {plots}
""")

    def render(self):
        """Runs gnuplot on every queued plot; returns the list of SVG markups."""
        if not self.scripts:
            return []
        script = os.path.join(self.tmpdir, "plots.gp")
        with open(script, "w") as f:
            # noenhanced: names like anon_thp are text, not subscripts.
            f.write("set encoding utf8\n"
                    "set terminal svg size 640,380 dynamic noenhanced font 'sans,11'\n")
            for _, commands in self.scripts:
                f.write(commands)
            f.write("unset output\n")
        try:
            proc = subprocess.run([self.gnuplot, script], capture_output=True, text=True,
                                  timeout=300)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise Failure(f"gnuplot: {err}") from err
        if proc.returncode != 0:
            raise Failure(f"gnuplot failed (exit {proc.returncode}): {proc.stderr.strip()}")
        out = []
        for n, (title, _) in enumerate(self.scripts):
            with open(os.path.join(self.tmpdir, f"plot{n}.svg")) as f:
                out.append(inline_svg(f.read(), f"p{n}-", title))
        return out


def size_name(size):
    """4096 -> 4k, 1048576 -> 1m."""
    size = int(size)
    return f"{size >> 20}m" if size >= 1 << 20 else f"{size >> 10}k"


def inline_svg(svg, prefix, title):
    """gnuplot's standalone SVG made fit to sit inside HTML: no XML prolog, its own title,
    and element ids (which gnuplot gives the same in every plot) made unique per plot."""
    svg = svg[svg.index("<svg"):]
    svg = svg.replace("<title>Gnuplot</title>", f"<title>{e(title)}</title>", 1)
    # A group per plot line, named and titled gnuplot_plot_N (a tooltip of no use to a
    # reader; the key repeats the name).
    svg = re.sub(r"""<g id=(['"])gnuplot_plot_\d+\1 ?><title>gnuplot_plot_\d+</title>""", "<g>",
                 svg)
    svg = re.sub(r"""\bid=(['"])""", rf"id=\g<1>{prefix}", svg)
    svg = re.sub(r"""\bhref=(['"])#""", rf"href=\g<1>#{prefix}", svg)
    svg = svg.replace("url(#", f"url(#{prefix}")
    return svg.replace("<svg", f'<svg role="img" aria-label="{e(title)}"', 1)
