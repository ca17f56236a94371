"""Item images the simulator can serve itself, so demos and tests need no internet.

With ``image_base`` set (``toast-relay sim --local-images``, and the demo) the menus
answer points the sample's image URLs, which name Toast's S3 host, at
``/_sim/images/<name>`` on the simulator instead. Names containing ``missing``
answer 404, for trying how a board copes with a broken image.
"""

from __future__ import annotations

import hashlib
import io

from PIL import Image, ImageDraw
from starlette.requests import Request
from starlette.responses import Response

TOAST_IMAGE_HOST = "https://s3.amazonaws.com/toasttab/"


def local_image_prefix(base: str) -> str:
    return f"{base.rstrip('/')}/_sim/images/"


def picture(name: str) -> bytes:
    """A small JPEG whose colours are derived from ``name`` (deterministic)."""
    digest = hashlib.sha256(name.encode()).digest()
    image = Image.new("RGB", (480, 360), (digest[0], digest[1], digest[2]))
    draw = ImageDraw.Draw(image)
    draw.ellipse((120, 60, 360, 300), fill=(digest[3], digest[4], digest[5]))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=80)
    return buf.getvalue()


async def image_endpoint(request: Request) -> Response:
    name = str(request.path_params["name"])
    if "missing" in name:
        return Response(b"not found", status_code=404, media_type="text/plain")
    return Response(picture(name), media_type="image/jpeg",
                    headers={"Cache-Control": "public, max-age=3600"})
