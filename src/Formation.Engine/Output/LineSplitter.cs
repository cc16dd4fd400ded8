using System.Text;

namespace Formation.Engine.Output;

/// <summary>
/// Cuts a byte stream into lines. A line longer than <see cref="MaxLineBytes"/> is delivered in pieces
/// cut at a UTF-8 character boundary (nothing is lost); a final line without a newline is delivered by
/// <see cref="Flush"/>; a trailing CR is dropped; invalid UTF-8 becomes U+FFFD and never throws.
/// </summary>
internal sealed class LineSplitter
{
    public const int MaxLineBytes = 64 * 1024;

    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);
    private readonly int _max;
    private byte[] _pending = Array.Empty<byte>();
    private int _length;

    public LineSplitter(int maxLineBytes = MaxLineBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 4);
        _max = maxLineBytes;
    }

    /// <summary>Adds bytes; complete lines are appended to <paramref name="lines"/>.</summary>
    public void Push(ReadOnlySpan<byte> data, List<string> lines)
    {
        while (!data.IsEmpty)
        {
            var nl = data.IndexOf((byte)'\n');
            if (nl >= 0 && _length == 0 && nl <= _max)
            {
                lines.Add(Decode(data[..nl]));
            }
            else
            {
                Append(nl < 0 ? data : data[..nl], lines);
                if (nl < 0) return;
                lines.Add(Decode(_pending.AsSpan(0, _length)));
                _length = 0;
            }
            data = data[(nl + 1)..];
        }
    }

    /// <summary>Delivers a final line that had no newline.</summary>
    public void Flush(List<string> lines)
    {
        if (_length == 0) return;
        lines.Add(Decode(_pending.AsSpan(0, _length)));
        _length = 0;
    }

    private void Append(ReadOnlySpan<byte> segment, List<string> lines)
    {
        while (_length + segment.Length > _max)
        {
            // Fill to the cap, cut back to the start of a UTF-8 character, and deliver that piece.
            EnsureCapacity(_max);
            var take = _max - _length;
            segment[..take].CopyTo(_pending.AsSpan(_length));
            var cut = CharacterBoundary(_pending.AsSpan(0, _max));
            lines.Add(Utf8.GetString(_pending, 0, cut));
            var carry = _max - cut;
            _pending.AsSpan(cut, carry).CopyTo(_pending);
            _length = carry;
            segment = segment[take..];
        }
        EnsureCapacity(_length + segment.Length);
        segment.CopyTo(_pending.AsSpan(_length));
        _length += segment.Length;
    }

    /// <summary>The length of the longest prefix that does not end inside a UTF-8 character.</summary>
    internal static int CharacterBoundary(ReadOnlySpan<byte> bytes)
    {
        var lead = bytes.Length - 1;
        while (lead > 0 && lead > bytes.Length - 4 && (bytes[lead] & 0xC0) == 0x80) lead--;
        var b = bytes[lead];
        var needed = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
        return needed > bytes.Length - lead && lead > 0 ? lead : bytes.Length;
    }

    private void EnsureCapacity(int needed)
    {
        if (_pending.Length >= needed) return;
        Array.Resize(ref _pending, Math.Min(_max, Math.Max(needed, Math.Max(256, _pending.Length * 2))));
    }

    private static string Decode(ReadOnlySpan<byte> line)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r') line = line[..^1];
        return line.IsEmpty ? string.Empty : Utf8.GetString(line);
    }
}
