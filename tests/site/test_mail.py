import logging
import socket
import threading

from greensmile.mail import send_mail


def test_mail_is_logged_when_no_server_is_configured(app_ctx, caplog):
    with caplog.at_level(logging.INFO, logger="greensmile.mail"):
        assert send_mail("a@example.com", "หัวเรื่อง", "เนื้อความ") is True
    assert "หัวเรื่อง" in caplog.text and "เนื้อความ" in caplog.text


def test_a_failing_mail_server_is_logged_not_raised(app, caplog, monkeypatch):
    # A real SMTP peer on this machine that hangs up at once.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def hang_up():
        connection, _ = server.accept()
        connection.close()

    threading.Thread(target=hang_up, daemon=True).start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.getsockname()[1])
    try:
        with app.test_request_context(), caplog.at_level(logging.ERROR, logger="greensmile.mail"):
            assert send_mail("a@example.com", "subject", "body") is False
    finally:
        server.close()
    assert "could not send mail" in caplog.text
