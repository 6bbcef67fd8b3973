using System.Globalization;
using System.Text;
using Spectre.Console;

namespace Tollgate.Cli;

/// <summary>How a report row is shown: bold for headers and totals, dim (grey) for per-model breakdown rows.</summary>
internal enum RowStyle
{
    Plain,
    Bold,
    Dim,
}

/// <summary>
/// A report table written line by line, in the rounded style of Spectre's tables, for reports
/// of thousands of rows: Spectre lays a table out as a whole, and every session of a large store
/// (40,000 rows) took it 10 s and 1.3 GB. Here the column widths are measured once, the widest
/// text columns are cut (with "…") to fit the console, and each row is written as it comes.
/// Widths are terminal cells, as Spectre counts them (a CJK character or an emoji takes two), and
/// a cut never splits a character.
/// </summary>
/// <param name="textColumns">How many columns, from the left, hold text (left-aligned); the rest hold numbers.</param>
/// <param name="uncut">How many columns, from the left, are cut only when narrowing the others is not enough (a session id, a date).</param>
internal sealed class LineTable(string title, IReadOnlyList<string> headers, int textColumns, int uncut)
{
    private const int MinWidth = 8;
    private readonly List<(string[] Cells, RowStyle Style)> _rows = [];

    public void AddRow(string[] cells, RowStyle style) => _rows.Add((cells, style));

    public void AddEmptyRow() => _rows.Add((new string[headers.Count], RowStyle.Plain));

    public void Write(IAnsiConsole console)
    {
        var widths = headers.Select(Cells).ToArray();
        foreach (var (cells, _) in _rows)
        {
            for (var i = 0; i < widths.Length; i++)
            {
                widths[i] = Math.Max(widths[i], cells[i] is { } text ? Cells(text) : 0);
            }
        }

        Fit(widths, console.Profile.Width);
        var total = widths.Sum(w => w + 3) + 1;
        var lead = Math.Max(0, (total - Cells(title)) / 2);
        var output = new Output(console);
        output.WriteLine(new string(' ', lead) + title, RowStyle.Plain);
        output.WriteLine(Border('╭', '┬', '╮', widths), RowStyle.Plain);
        output.WriteLine(Line([.. headers], widths), RowStyle.Bold);
        output.WriteLine(Border('├', '┼', '┤', widths), RowStyle.Plain);
        foreach (var (cells, style) in _rows)
        {
            output.WriteLine(Line(cells, widths), style);
        }

        output.WriteLine(Border('╰', '┴', '╯', widths), RowStyle.Plain);
    }

    /// <summary>
    /// Writes the table's lines straight to the console's writer, bold and grey as ANSI codes
    /// where the console takes them (grey where it has at least 16 colours; a console without
    /// ANSI gets plain lines). Spectre measures and wraps every line it writes, cell by cell: for
    /// 40,000 lines already fitted that was most of the report's time (2 of 2.4 s).
    /// </summary>
    private sealed class Output(IAnsiConsole console)
    {
        private readonly TextWriter _writer = console.Profile.Out.Writer;
        private readonly bool _ansi = console.Profile.Capabilities.Ansi;
        private readonly bool _colors = console.Profile.Capabilities.ColorSystem is ColorSystem.Standard or ColorSystem.EightBit or ColorSystem.TrueColor;

        public void WriteLine(string line, RowStyle style)
        {
            var bold = _ansi && style == RowStyle.Bold;
            var grey = _ansi && _colors && style == RowStyle.Dim;
            if (!bold && !grey)
            {
                _writer.WriteLine(line);
                return;
            }

            _writer.Write(bold ? "\e[1m" : "\e[90m");
            _writer.Write(line);
            _writer.WriteLine("\e[0m");
        }
    }

    /// <summary>
    /// Narrows the widest text columns after the uncut ones (models, directory) until the table
    /// fits, down to <see cref="MinWidth"/>; only if that is not enough, the other text columns
    /// after the first too (a terminal that wraps every line would break the whole table).
    /// </summary>
    private void Fit(int[] widths, int available)
    {
        foreach (var from in (int[])[uncut, 1])
        {
            while (widths.Sum(w => w + 3) + 1 > available)
            {
                var widest = Enumerable.Range(from, Math.Max(0, textColumns - from)).Where(i => widths[i] > MinWidth).OrderByDescending(i => widths[i]).DefaultIfEmpty(-1).First();
                if (widest < 0)
                {
                    break; // as narrow as these go
                }

                widths[widest]--;
            }
        }
    }

    private string Line(string?[] cells, int[] widths)
    {
        var line = new StringBuilder("│");
        for (var i = 0; i < widths.Length; i++)
        {
            var cell = Cut(cells[i] ?? "", widths[i]);
            var padding = widths[i] - Cells(cell);
            if (i < textColumns)
            {
                line.Append(' ').Append(cell).Append(' ', padding).Append(" │");
            }
            else
            {
                line.Append(' ', padding + 1).Append(cell).Append(" │");
            }
        }

        return line.ToString();
    }

    /// <summary>
    /// How many terminal cells a text takes: its length when it is ASCII (nearly every cell,
    /// checked fast), else as Spectre counts them, character by character where Spectre gives
    /// up on the whole text (it does for one with a control character).
    /// </summary>
    private static int Cells(string text)
    {
        if (Ascii.IsValid(text))
        {
            return text.Length;
        }

        var cells = text.GetCellWidth();
        if (cells >= 0)
        {
            return cells;
        }

        cells = 0;
        for (var at = 0; at < text.Length;)
        {
            var length = StringInfo.GetNextTextElementLength(text, at);
            cells += Math.Max(0, text.Substring(at, length).GetCellWidth());
            at += length;
        }

        return cells;
    }

    /// <summary>The text if it fits in <paramref name="width"/> cells, else its longest start of whole characters that fits with "…".</summary>
    private static string Cut(string text, int width)
    {
        if (Cells(text) <= width)
        {
            return text;
        }

        var used = 0;
        var end = 0;
        while (end < text.Length)
        {
            var length = StringInfo.GetNextTextElementLength(text, end);
            var cells = Cells(text.Substring(end, length));
            if (used + cells > width - 1)
            {
                break;
            }

            used += cells;
            end += length;
        }

        return text[..end] + "…";
    }

    private static string Border(char left, char middle, char right, int[] widths) =>
        left + string.Join(middle, widths.Select(w => new string('─', w + 2))) + right;
}
