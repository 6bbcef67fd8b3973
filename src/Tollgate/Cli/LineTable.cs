using Spectre.Console;

namespace Tollgate.Cli;

/// <summary>
/// A report table written line by line, in the rounded style of Spectre's tables, for reports
/// of thousands of rows: Spectre lays a table out as a whole, and every session of a large store
/// (40,000 rows) took it 10 s and 1.3 GB. Here the column widths are measured once, the widest
/// text columns are cut (with "…") to fit the console, and each row is written as it comes.
/// </summary>
/// <param name="textColumns">How many columns, from the left, hold text (left-aligned); the rest hold numbers.</param>
internal sealed class LineTable(string title, IReadOnlyList<string> headers, int textColumns)
{
    private const int MinWidth = 8;
    private readonly List<(string[] Cells, Style Style)> _rows = [];

    public void AddRow(string[] cells, Style style) => _rows.Add((cells, style));

    public void AddEmptyRow() => _rows.Add((new string[headers.Count], Style.Plain));

    public void Write(IAnsiConsole console)
    {
        var widths = headers.Select(h => h.Length).ToArray();
        foreach (var (cells, _) in _rows)
        {
            for (var i = 0; i < widths.Length; i++)
            {
                widths[i] = Math.Max(widths[i], cells[i]?.Length ?? 0);
            }
        }

        Fit(widths, console.Profile.Width);
        var total = widths.Sum(w => w + 3) + 1;
        var lead = Math.Max(0, (total - title.Length) / 2);
        console.WriteLine(new string(' ', lead) + title, Style.Plain);
        console.WriteLine(Border('╭', '┬', '╮', widths), Style.Plain);
        console.WriteLine(Line([.. headers], widths), new Style(decoration: Decoration.Bold));
        console.WriteLine(Border('├', '┼', '┤', widths), Style.Plain);
        foreach (var (cells, style) in _rows)
        {
            console.WriteLine(Line(cells, widths), style);
        }

        console.WriteLine(Border('╰', '┴', '╯', widths), Style.Plain);
    }

    /// <summary>Narrows the widest text columns after the first (models, directory) until the table fits, down to <see cref="MinWidth"/>.</summary>
    private void Fit(int[] widths, int available)
    {
        while (widths.Sum(w => w + 3) + 1 > available)
        {
            var widest = Enumerable.Range(1, Math.Max(0, textColumns - 1)).Where(i => widths[i] > MinWidth).OrderByDescending(i => widths[i]).FirstOrDefault();
            if (widest == 0)
            {
                return; // as narrow as it goes: the terminal wraps what is left
            }

            widths[widest]--;
        }
    }

    private string Line(string?[] cells, int[] widths)
    {
        var line = new System.Text.StringBuilder("│");
        for (var i = 0; i < widths.Length; i++)
        {
            var cell = cells[i] ?? "";
            cell = cell.Length > widths[i] ? cell[..(widths[i] - 1)] + "…" : cell;
            line.Append(' ').Append(i < textColumns ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i])).Append(" │");
        }

        return line.ToString();
    }

    private static string Border(char left, char middle, char right, int[] widths) =>
        left + string.Join(middle, widths.Select(w => new string('─', w + 2))) + right;
}
