from __future__ import annotations

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class EventsConsumer(AsyncJsonWebsocketConsumer):
    """Placeholder replaced in this session by the real-time work."""
