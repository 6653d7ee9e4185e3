"""Access: the one permission resolver, and short-lived signed media tokens.

    principal     who is asking: an account and its roles; `require_role` (403 by role)
    resources     every kind of resource, declared as data: table, owner, refusal, rights
    resolver      `resolve` (kind + id + action -> the record, or the kind's 404),
                  `listable` / `visible_cameras` for lists, `authorize` for cameras
    operators     which accounts hold the operator role (from the settings)
    media_tokens  signed, short-lived media URLs bound to user, camera and session

Routes reach it through api/deps.py (`CurrentUser`, `Operator`, `authorized(...)`);
services through `owned` and `listable`. Nothing here imports the edge (routers, pages).
"""
