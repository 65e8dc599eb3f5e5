using System.Buffers.Binary;
using System.Text;

namespace Federated.Core.Runtime;

/// <summary>
/// Marks one symbol-version requirement of an ELF64 little-endian shared object as weak (VER_FLG_WEAK),
/// so that the dynamic loader only warns when the system library lacks that version instead of refusing
/// to load the object. Used for TorchSharp's native shim, which names GLIBCXX_3.4.32 for one symbol
/// (<c>std::ios_base_library_init</c>) that it references but never calls.
/// </summary>
public static class ElfVersionNeedPatcher
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>Outcome of looking for a version requirement.</summary>
    public enum Result
    {
        /// <summary>The requirement was found and is now weak.</summary>
        Patched,
        /// <summary>The requirement was already weak; nothing changed.</summary>
        AlreadyWeak,
        /// <summary>The object does not require that version at all.</summary>
        NotRequired,
    }

    /// <summary>Sets the weak flag on the requirement named <paramref name="versionName"/> in <paramref name="elf"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed ELF64 little-endian object.</exception>
    public static Result MakeWeak(Span<byte> elf, string versionName)
    {
        ArgumentException.ThrowIfNullOrEmpty(versionName);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            throw new InvalidDataException("Not an ELF file (bad magic).");
        }
        if (elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException($"Only ELF64 little-endian is supported (class {elf[4]}, data {elf[5]}).");
        }

        ulong sectionTable = ReadU64(elf, 0x28);
        int entrySize = ReadU16(elf, 0x3A);
        int count = ReadU16(elf, 0x3C);
        if (entrySize < 64)
        {
            throw new InvalidDataException($"Section header entry size {entrySize} is smaller than 64.");
        }

        byte[] wanted = Encoding.ASCII.GetBytes(versionName);
        for (int i = 0; i < count; i++)
        {
            int header = Checked(sectionTable + (ulong)(i * entrySize), 64, elf.Length);
            if (ReadU32(elf, header + 4) != ShtGnuVerneed)
            {
                continue;
            }

            int verneed = Checked(ReadU64(elf, header + 0x18), 16, elf.Length);
            int stringSection = (int)ReadU32(elf, header + 0x28);
            int stringHeader = Checked(sectionTable + (ulong)(stringSection * entrySize), 64, elf.Length);
            int strings = Checked(ReadU64(elf, stringHeader + 0x18), 1, elf.Length);
            int entries = (int)ReadU32(elf, header + 0x2C);
            return PatchVerneedChain(elf, verneed, entries, strings, wanted);
        }
        return Result.NotRequired;
    }

    private static Result PatchVerneedChain(Span<byte> elf, int verneed, int entries, int strings, byte[] wanted)
    {
        for (int n = 0; n < entries; n++)
        {
            int auxCount = ReadU16(elf, verneed + 2);
            int aux = Checked((ulong)verneed + ReadU32(elf, verneed + 8), 16, elf.Length);
            for (int a = 0; a < auxCount; a++)
            {
                int name = Checked((ulong)strings + ReadU32(elf, aux + 8), 1, elf.Length);
                if (NameEquals(elf[name..], wanted))
                {
                    ushort flags = ReadU16(elf, aux + 4);
                    if ((flags & VerFlagWeak) != 0)
                    {
                        return Result.AlreadyWeak;
                    }
                    BinaryPrimitives.WriteUInt16LittleEndian(elf[(aux + 4)..], (ushort)(flags | VerFlagWeak));
                    return Result.Patched;
                }
                aux = Checked((ulong)aux + ReadU32(elf, aux + 12), 16, elf.Length);
            }
            uint next = ReadU32(elf, verneed + 12);
            if (next == 0)
            {
                break;
            }
            verneed = Checked((ulong)verneed + next, 16, elf.Length);
        }
        return Result.NotRequired;
    }

    private static bool NameEquals(ReadOnlySpan<byte> at, byte[] wanted) =>
        at.Length > wanted.Length && at[..wanted.Length].SequenceEqual(wanted) && at[wanted.Length] == 0;

    private static int Checked(ulong offset, int size, int length) =>
        offset + (ulong)size <= (ulong)length
            ? (int)offset
            : throw new InvalidDataException($"ELF structure at offset {offset} runs past the end of the file ({length} bytes).");

    private static ushort ReadU16(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt16LittleEndian(s[at..]);
    private static uint ReadU32(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt32LittleEndian(s[at..]);
    private static ulong ReadU64(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt64LittleEndian(s[at..]);
}
