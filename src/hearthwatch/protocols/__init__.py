"""What the product speaks, apart from the product: formats and wire details, no I/O.

- `h264`: H.264 NAL units, Annex B and length-prefixed framing, the SDP parameters;
- `nal`: access units of H.264 and H.265 as cameras send them and MP4 stores them, and
  what the H.265 sample entry repeats from the parameter sets;
- `qr_label`: the QR payload on a camera's label (what a camera prints, what binding reads);
- `rtsp_url`: camera addresses: parsing, validation, default ports, credentials in and out.

The recorder, binding and provisioning read these, and so does the camera simulator
(`hearthwatch.camsim`), which is how the simulator speaks exactly what the product reads
without the product ever importing the simulator. Modules here import nothing from the
product's domain packages (only `hearthwatch.errors`, for stable error codes) and nothing
from the simulator.
"""
