import socket

import pytest

from tests.conftest import OutboundNetworkBlocked


def test_outbound_connections_fail_the_test():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(OutboundNetworkBlocked):
            sock.connect(("203.0.113.10", 443))
    finally:
        sock.close()
    with pytest.raises(OutboundNetworkBlocked):
        socket.getaddrinfo("api.stripe.com", 443)


def test_loopback_is_allowed():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        client.connect(server.getsockname())
    finally:
        client.close()
        server.close()
