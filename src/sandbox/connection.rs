//! Connections the sandbox can cut on purpose. A `dropConnection` fault must
//! close the socket without any reply, which an HTTP framework never does by
//! itself: each accepted stream carries a kill switch, the handler flips it,
//! and the next write fails, so hyper closes the socket unanswered.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// The handle a handler uses to cut its own connection.
#[derive(Debug, Clone)]
pub struct KillSwitch(Arc<AtomicBool>);

impl KillSwitch {
    pub fn kill(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    fn killed(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// A TCP stream that fails every read and write once killed.
pub struct KillableStream {
    inner: TcpStream,
    switch: KillSwitch,
}

fn cut() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "connection dropped by a sandbox fault",
    )
}

impl AsyncRead for KillableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.switch.killed() {
            return Poll::Ready(Err(cut()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.switch.killed() {
            return Poll::Ready(Err(cut()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.switch.killed() {
            return Poll::Ready(Err(cut()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Accepts TCP connections and hands out killable streams.
pub struct KillableListener(pub TcpListener);

/// Per-connection information a handler can extract.
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    pub switch: KillSwitch,
}

impl Listener for KillableListener {
    type Io = KillableStream;
    type Addr = ConnectionInfo;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((stream, _)) => {
                    // Small JSON replies: do not wait for Nagle.
                    let _ = stream.set_nodelay(true);
                    let switch = KillSwitch(Arc::new(AtomicBool::new(false)));
                    let info = ConnectionInfo {
                        switch: switch.clone(),
                    };
                    return (
                        KillableStream {
                            inner: stream,
                            switch,
                        },
                        info,
                    );
                }
                // Out of file descriptors and the like: back off briefly, as axum does.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        // Only to satisfy the trait: axum asks for the listener's own address.
        self.0.local_addr()?;
        Ok(ConnectionInfo {
            switch: KillSwitch(Arc::new(AtomicBool::new(false))),
        })
    }
}

impl Connected<IncomingStream<'_, KillableListener>> for ConnectionInfo {
    fn connect_info(stream: IncomingStream<'_, KillableListener>) -> Self {
        stream.remote_addr().clone()
    }
}
