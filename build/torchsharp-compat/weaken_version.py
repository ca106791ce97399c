#!/usr/bin/env python3
"""Mark one GLIBCXX version requirement of an ELF shared library as weak (VER_FLG_WEAK).

Why: TorchSharp 0.107's libLibTorchSharp.so requires GLIBCXX_3.4.32 (GCC 13) for a single symbol,
std::ios_base_library_init(). Debian 12 ships GCC 12's libstdc++. With the requirement weak, the dynamic
loader accepts the library, and the symbol is supplied by a tiny shim library (see ios_base_init_shim.cpp).
Idempotent: a requirement that is already weak is left alone. Exit 0 on success, 1 on a malformed file.
"""
import struct
import sys

SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 0x2


def weaken(path: str, version: str) -> bool:
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
            raise ValueError(f"{path}: not a 64-bit little-endian ELF file")
        e_shoff, = struct.unpack_from("<Q", data, 0x28)
        e_shentsize, e_shnum = struct.unpack_from("<HH", data, 0x3A)
        sections = [struct.unpack_from("<IIQQQQIIQQ", data, e_shoff + i * e_shentsize) for i in range(e_shnum)]
        changed = False
        for sh in sections:
            sh_type, sh_offset, sh_link, sh_info = sh[1], sh[4], sh[6], sh[7]
            if sh_type != SHT_GNU_VERNEED:
                continue
            strtab_offset = sections[sh_link][4]
            entry = sh_offset
            for _ in range(sh_info):
                _, vn_cnt, _, vn_aux, vn_next = struct.unpack_from("<HHIII", data, entry)
                aux = entry + vn_aux
                for _ in range(vn_cnt):
                    _, vna_flags, _, vna_name, vna_next = struct.unpack_from("<IHHII", data, aux)
                    name_end = data.index(b"\0", strtab_offset + vna_name)
                    name = data[strtab_offset + vna_name:name_end].decode()
                    if name == version and not vna_flags & VER_FLG_WEAK:
                        struct.pack_into("<H", data, aux + 4, vna_flags | VER_FLG_WEAK)
                        changed = True
                    aux += vna_next
                entry += vn_next
        if changed:
            f.seek(0)
            f.write(data)
        return changed


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: weaken_version.py LIBRARY VERSION")
    try:
        print("weakened" if weaken(sys.argv[1], sys.argv[2]) else "unchanged")
    except (ValueError, struct.error, IndexError) as error:
        sys.exit(str(error))
