//! Sending a framed message with file descriptors over a Unix socket: how the
//! supervisor hands a job's output pipes to a worker inside a slot.

use std::io::{self, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;

/// Sends `payload` prefixed by its length as a little-endian `u32`, with
/// `fds` attached (`SCM_RIGHTS`) to the first byte.
pub fn send_frame(stream: &UnixStream, payload: &[u8], fds: &[RawFd]) -> io::Result<()> {
    let header = (payload.len() as u32).to_le_bytes();
    if fds.is_empty() {
        let mut w = stream;
        w.write_all(&header)?;
        return w.write_all(payload);
    }
    let fd_bytes = std::mem::size_of_val(fds) as u32;
    // SAFETY: CMSG_SPACE is a pure computation on its argument.
    let space = unsafe { libc::CMSG_SPACE(fd_bytes) } as usize;
    let mut control = vec![0u8; space];
    let mut iov = libc::iovec {
        iov_base: header.as_ptr() as *mut libc::c_void,
        iov_len: header.len(),
    };
    // SAFETY: all-zero is a valid msghdr; fields are filled in below.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = space;
    // SAFETY: msg_control points at a buffer of CMSG_SPACE(fd_bytes) bytes,
    // so the first header and its data fit; we write exactly fd_bytes.
    unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(fd_bytes) as usize;
        std::ptr::copy_nonoverlapping(
            fds.as_ptr(),
            libc::CMSG_DATA(cmsg).cast::<RawFd>(),
            fds.len(),
        );
    }
    // SAFETY: `msg` and everything it points to live until the call returns.
    let sent = unsafe { libc::sendmsg(stream.as_raw_fd(), &msg, libc::MSG_NOSIGNAL) };
    if sent < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut w = stream;
    w.write_all(&header[sent as usize..])?;
    w.write_all(payload)
}

/// Waits until any of `fds` is readable (or at end of file / hung up), for
/// at most `timeout_ms` (negative: forever). Returns one flag per fd.
pub fn poll_readable(fds: &[RawFd], timeout_ms: i32) -> io::Result<Vec<bool>> {
    let mut pollfds: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    loop {
        // SAFETY: `pollfds` is a valid array of `len` pollfd structs.
        let rc = unsafe {
            libc::poll(
                pollfds.as_mut_ptr(),
                pollfds.len() as libc::nfds_t,
                timeout_ms,
            )
        };
        if rc < 0 {
            let err = io::Error::last_os_error();
            if err.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        return Ok(pollfds.iter().map(|p| p.revents != 0).collect());
    }
}
