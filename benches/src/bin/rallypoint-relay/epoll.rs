//! A small safe wrapper over Linux `epoll`, just what the event-driven
//! relay clients need: register a socket for edge-triggered input under a
//! token, remove it, and wait with a timeout. The epoll descriptor is an
//! [`OwnedFd`], so it closes when the [`Epoll`] drops. Each `unsafe` block
//! is one libc call whose arguments are checked here.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

/// What a connection is registered for: input, the peer's shutdown, edge
/// triggered as mio (and so tokio and the bots) registers sockets, so a
/// socket is reported once per arrival of new bytes, not once per wait.
const INTEREST: u32 = (libc::EPOLLIN | libc::EPOLLRDHUP | libc::EPOLLET) as u32;

/// The flags that say a socket's peer hung up or the socket failed.
const HANG_UP: u32 = (libc::EPOLLRDHUP | libc::EPOLLHUP | libc::EPOLLERR) as u32;

/// The longest single wait, in milliseconds: `epoll_wait` takes an `i32`.
/// Longer waits simply wake early and wait again.
const MAX_TIMEOUT_MS: i32 = i32::MAX;

pub struct Epoll {
    fd: OwnedFd,
}

/// The events of one wait, reused between waits.
pub struct Events {
    list: Vec<libc::epoll_event>,
    len: usize,
}

impl Events {
    /// Room for `capacity` ready sockets a wait (at least 1); more stay
    /// ready for the next wait.
    pub fn with_capacity(capacity: usize) -> Events {
        Events {
            list: vec![libc::epoll_event { events: 0, u64: 0 }; capacity.max(1)],
            len: 0,
        }
    }

    /// The sockets the last wait reported: each one's token, and whether
    /// its peer hung up (or it failed), so it must be read to the end.
    pub fn iter(&self) -> impl Iterator<Item = (u64, bool)> + '_ {
        self.list[..self.len].iter().map(|e| {
            // Copied out by value: `epoll_event` is packed on x86_64.
            let (token, flags) = (e.u64, e.events);
            (token, flags & HANG_UP != 0)
        })
    }
}

impl Epoll {
    pub fn new() -> io::Result<Epoll> {
        // SAFETY: epoll_create1 takes no pointers; a non-negative result is
        // a new descriptor that nothing else owns, so OwnedFd may close it.
        let fd = cvt(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        // SAFETY: as above, `fd` is open and owned by no one else.
        Ok(Epoll {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    /// Registers `socket` for input under `token`, edge-triggered.
    pub fn add(&self, socket: BorrowedFd<'_>, token: u64) -> io::Result<()> {
        let mut event = libc::epoll_event {
            events: INTEREST,
            u64: token,
        };
        // SAFETY: both descriptors are open (one owned, one borrowed) and
        // `event` is a valid epoll_event for the duration of the call.
        cvt(unsafe {
            libc::epoll_ctl(
                self.fd.as_raw_fd(),
                libc::EPOLL_CTL_ADD,
                socket.as_raw_fd(),
                &mut event,
            )
        })?;
        Ok(())
    }

    /// Removes `socket`, so a closed connection is not reported again.
    pub fn delete(&self, socket: BorrowedFd<'_>) -> io::Result<()> {
        // SAFETY: both descriptors are open; EPOLL_CTL_DEL ignores the event
        // pointer, which may be null since Linux 2.6.9.
        cvt(unsafe {
            libc::epoll_ctl(
                self.fd.as_raw_fd(),
                libc::EPOLL_CTL_DEL,
                socket.as_raw_fd(),
                std::ptr::null_mut(),
            )
        })?;
        Ok(())
    }

    /// Waits until a registered socket is ready or `timeout` passes (rounded
    /// up to whole milliseconds, as mio rounds it, so it never wakes before
    /// a deadline). A signal ends the wait early with no events.
    pub fn wait(&self, events: &mut Events, timeout: Duration) -> io::Result<()> {
        let capacity = i32::try_from(events.list.len()).unwrap_or(i32::MAX);
        // SAFETY: `list` holds `capacity` initialised epoll_events that the
        // kernel may overwrite, and it outlives the call.
        let n = unsafe {
            libc::epoll_wait(
                self.fd.as_raw_fd(),
                events.list.as_mut_ptr(),
                capacity,
                timeout_ms(timeout),
            )
        };
        events.len = match cvt(n) {
            Ok(n) => usize::try_from(n).unwrap_or(0),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => 0,
            Err(e) => return Err(e),
        };
        Ok(())
    }
}

/// `timeout` in whole milliseconds for `epoll_wait`, rounded up (a wait of
/// 0.2 ms is 1 ms, not a busy 0), and at most [`MAX_TIMEOUT_MS`].
pub fn timeout_ms(timeout: Duration) -> i32 {
    let ms = timeout.as_nanos().div_ceil(1_000_000);
    i32::try_from(ms).unwrap_or(MAX_TIMEOUT_MS)
}

/// How long to wait from `now` until the earlier of `deadline` and `end`
/// (zero when either has passed).
pub fn until(now: Instant, deadline: Instant, end: Instant) -> Duration {
    deadline.min(end).saturating_duration_since(now)
}

/// A libc return value as a `Result`: negative means `errno` is set.
fn cvt(ret: i32) -> io::Result<i32> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::AsFd;

    #[test]
    fn timeouts_round_up_to_whole_milliseconds() {
        assert_eq!(timeout_ms(Duration::ZERO), 0);
        assert_eq!(timeout_ms(Duration::from_nanos(1)), 1);
        assert_eq!(timeout_ms(Duration::from_micros(1000)), 1);
        assert_eq!(timeout_ms(Duration::from_micros(1001)), 2);
        assert_eq!(timeout_ms(Duration::from_millis(33)), 33);
        assert_eq!(timeout_ms(Duration::from_secs(u64::MAX)), i32::MAX);
    }

    #[test]
    fn waits_end_at_the_earlier_of_deadline_and_end() {
        let now = Instant::now();
        let ms = Duration::from_millis;
        assert_eq!(until(now, now + ms(5), now + ms(9)), ms(5));
        assert_eq!(until(now, now + ms(9), now + ms(5)), ms(5));
        assert_eq!(until(now + ms(6), now + ms(5), now + ms(9)), Duration::ZERO);
    }

    #[test]
    fn a_socket_is_reported_under_its_token_once_per_arrival() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut writer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (reader, _) = listener.accept().unwrap();
        let epoll = Epoll::new().unwrap();
        epoll.add(reader.as_fd(), 7).unwrap();
        let mut events = Events::with_capacity(4);

        let short = Duration::from_millis(1);
        epoll.wait(&mut events, short).unwrap();
        assert_eq!(events.iter().count(), 0, "nothing sent yet");

        writer.write_all(b"frame").unwrap();
        epoll.wait(&mut events, Duration::from_secs(5)).unwrap();
        assert_eq!(events.iter().collect::<Vec<_>>(), vec![(7, false)]);
        // Edge-triggered: the unread bytes are not reported a second time.
        epoll.wait(&mut events, short).unwrap();
        assert_eq!(events.iter().count(), 0);

        writer.shutdown(std::net::Shutdown::Write).unwrap();
        epoll.wait(&mut events, Duration::from_secs(5)).unwrap();
        assert_eq!(events.iter().collect::<Vec<_>>(), vec![(7, true)]);

        epoll.delete(reader.as_fd()).unwrap();
        let mut writer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (other, _) = listener.accept().unwrap();
        epoll.add(other.as_fd(), 8).unwrap();
        writer.write_all(b"again").unwrap();
        epoll.wait(&mut events, Duration::from_secs(5)).unwrap();
        assert_eq!(
            events.iter().collect::<Vec<_>>(),
            vec![(8, false)],
            "deleted sockets are not reported"
        );
    }
}
