"""Access units of H.264 and H.265 as cameras send them (Annex B) and as MP4 stores them.

An RTSP packet is one access unit in Annex B (NAL units behind ``00 00 01`` start codes).
MP4 wants each NAL unit prefixed with its 4-byte length and the parameter sets in the sample
entry (``avcC`` / ``hvcC``), not in the samples: each converter strips them (and access unit
delimiters) out of the sample and hands them back so the ingest can notice a new stream
format. H.264 has a 1-byte NAL header (type in its low 5 bits); H.265 a 2-byte one (type in
bits 1-6 of the first byte).

The parameter sets are also read here for what the sample entry needs: the H.265 SPS's
``profile_tier_level`` (ISO/IEC 23008-2 7.3.3) and chroma format and bit depths.

Pure bitstream code, no I/O: the recorder (media/ingest.py, media/fmp4.py) reads it, and the
tests hold `h264_access_unit` against the simulator's own reading (`h264.split_annexb`).
"""

from __future__ import annotations

import re
from typing import NamedTuple

H264 = "h264"
HEVC = "hevc"
CODECS = frozenset({H264, HEVC})

H264_SPS, H264_PPS, H264_AUD = 7, 8, 9
HEVC_VPS, HEVC_SPS, HEVC_PPS, HEVC_AUD = 32, 33, 34, 35

_START_CODE = re.compile(b"\x00\x00\x01")
_EMULATION_PREVENTION = re.compile(b"\x00\x00\x03")


def h264_access_unit(data: bytes) -> tuple[bytes, bytes | None, bytes | None]:
    """(length-prefixed sample, SPS, PPS) of an Annex B H.264 access unit. The hot path of
    every recorded H.264 frame."""
    units = _START_CODE.split(data)
    last = len(units) - 1
    sps = pps = None
    parts: list[bytes] = []
    for index in range(1, last + 1):  # units[0] is what came before the first start code
        nal = units[index] if index == last else units[index].rstrip(b"\x00")
        if not nal:
            continue
        kind = nal[0] & 0x1F
        if kind == H264_SPS:
            sps = nal
        elif kind == H264_PPS:
            pps = nal
        elif kind != H264_AUD:
            parts += (len(nal).to_bytes(4, "big"), nal)
    return b"".join(parts), sps, pps


def h265_access_unit(data: bytes) -> tuple[bytes, bytes | None, bytes | None, bytes | None]:
    """(length-prefixed sample, VPS, SPS, PPS) of an Annex B H.265 access unit."""
    units = _START_CODE.split(data)
    last = len(units) - 1
    vps = sps = pps = None
    parts: list[bytes] = []
    for index in range(1, last + 1):
        nal = units[index] if index == last else units[index].rstrip(b"\x00")
        if len(nal) < 2:
            continue
        kind = (nal[0] >> 1) & 0x3F
        if kind == HEVC_VPS:
            vps = nal
        elif kind == HEVC_SPS:
            sps = nal
        elif kind == HEVC_PPS:
            pps = nal
        elif kind != HEVC_AUD:
            parts += (len(nal).to_bytes(4, "big"), nal)
    return b"".join(parts), vps, sps, pps


def parameter_sets(codec: str, data: bytes) -> tuple[bytes, ...] | None:
    """The parameter sets in Annex B `data` (a keyframe or the stream's extradata), in sample
    entry order (SPS, PPS for H.264; VPS, SPS, PPS for H.265), or None if any is missing."""
    if codec == H264:
        _, sps, pps = h264_access_unit(data)
        return (sps, pps) if sps and pps else None
    _, vps, sps, pps = h265_access_unit(data)
    return (vps, sps, pps) if vps and sps and pps else None


def rbsp(nal: bytes) -> bytes:
    """A NAL unit's payload with the emulation prevention bytes (00 00 03) taken out."""
    return _EMULATION_PREVENTION.sub(b"\x00\x00", nal)


class HevcSpsInfo(NamedTuple):
    """What an ``hvcC`` record repeats from the SPS."""

    profile_tier_level: bytes  # the 12 bytes of general_profile_space .. general_level_idc
    sub_layers: int  # sps_max_sub_layers_minus1 + 1
    temporal_id_nested: bool
    chroma_format: int
    bit_depth_luma: int
    bit_depth_chroma: int


class _Bits:
    def __init__(self, data: bytes, at_bit: int) -> None:
        self.value, self.size, self.at = int.from_bytes(data, "big"), len(data) * 8, at_bit

    def read(self, count: int) -> int:
        if self.at + count > self.size:
            raise ValueError("the SPS ends early")
        self.at += count
        return (self.value >> (self.size - self.at)) & ((1 << count) - 1)

    def golomb(self) -> int:
        zeros = 0
        while self.read(1) == 0:
            zeros += 1
            if zeros > 31:
                raise ValueError("bad Exp-Golomb code in the SPS")
        return (1 << zeros) - 1 + self.read(zeros)


def hevc_sps_info(sps: bytes) -> HevcSpsInfo:
    """Profile, tier, level, layers, chroma format and bit depths of an H.265 SPS."""
    data = rbsp(sps)
    if len(data) < 16:
        raise ValueError("the H.265 SPS is too short")
    sub_layers_minus1 = (data[2] >> 1) & 0x07
    bits = _Bits(data, 15 * 8)  # after the NAL header, ids and the general profile/tier/level
    flags = [(bits.read(1), bits.read(1)) for _ in range(sub_layers_minus1)]
    if sub_layers_minus1:
        bits.read(2 * (8 - sub_layers_minus1))  # reserved_zero_2bits
    for profile_present, level_present in flags:
        bits.read(88 * profile_present + 8 * level_present)
    bits.golomb()  # sps_seq_parameter_set_id
    chroma_format = bits.golomb()
    if chroma_format == 3:
        bits.read(1)  # separate_colour_plane_flag
    bits.golomb(), bits.golomb()  # width, height
    if bits.read(1):  # conformance window
        for _ in range(4):
            bits.golomb()
    luma, chroma = bits.golomb() + 8, bits.golomb() + 8
    return HevcSpsInfo(
        data[3:15], sub_layers_minus1 + 1, bool(data[2] & 1), chroma_format, luma, chroma
    )


def hvcc_record(vps: bytes, sps: bytes, pps: bytes) -> bytes:
    """The HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3) of one VPS, SPS and PPS."""
    info = hevc_sps_info(sps)
    record = bytearray([1])  # configurationVersion
    record += info.profile_tier_level[:11]  # profile space/tier/idc, compatibility, constraints
    record.append(info.profile_tier_level[11])  # general_level_idc
    record += bytes([0xF0, 0x00])  # reserved, min_spatial_segmentation_idc = 0
    record.append(0xFC)  # reserved, parallelismType = 0 (unknown)
    record.append(0xFC | info.chroma_format)
    record.append(0xF8 | (info.bit_depth_luma - 8))
    record.append(0xF8 | (info.bit_depth_chroma - 8))
    record += bytes(2)  # avgFrameRate: unspecified
    # constantFrameRate 0, numTemporalLayers, temporalIdNested, lengthSizeMinusOne = 3
    record.append((info.sub_layers << 3) | (int(info.temporal_id_nested) << 2) | 3)
    record.append(3)  # numOfArrays
    for kind, nal in ((HEVC_VPS, vps), (HEVC_SPS, sps), (HEVC_PPS, pps)):
        record.append(0x80 | kind)  # array_completeness: no parameter sets in band
        record += (1).to_bytes(2, "big") + len(nal).to_bytes(2, "big") + nal
    return bytes(record)


def hevc_codec_string(sps: bytes) -> str:
    """The RFC 6381 ``codecs`` value of an H.265 stream (``hvc1.1.6.L93.B0``), for
    ``MediaSource.isTypeSupported``."""
    ptl = hevc_sps_info(sps).profile_tier_level
    space, tier, profile = ptl[0] >> 6, (ptl[0] >> 5) & 1, ptl[0] & 0x1F
    compatibility = int.from_bytes(ptl[1:5], "big")
    reversed_bits = int(f"{compatibility:032b}"[::-1], 2)
    constraints = ptl[5:11].rstrip(b"\x00")
    text = f"hvc1.{'' if space == 0 else chr(ord('A') + space - 1)}{profile}.{reversed_bits:X}"
    text += f".{'H' if tier else 'L'}{ptl[11]}"
    return text + "".join(f".{b:X}" for b in constraints)
