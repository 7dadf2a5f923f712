// Generated from the Linux x86-64 errno list (asm-generic/errno*.h, linux/errno.h);
// messages are glibc's strerror texts, which strace prints.
pub(crate) const ERRNO_TABLE: &[(i32, &str, &str)] = &[
    (1, "EPERM", "Operation not permitted"),
    (2, "ENOENT", "No such file or directory"),
    (3, "ESRCH", "No such process"),
    (4, "EINTR", "Interrupted system call"),
    (5, "EIO", "Input/output error"),
    (6, "ENXIO", "No such device or address"),
    (7, "E2BIG", "Argument list too long"),
    (8, "ENOEXEC", "Exec format error"),
    (9, "EBADF", "Bad file descriptor"),
    (10, "ECHILD", "No child processes"),
    (11, "EAGAIN", "Resource temporarily unavailable"),
    (12, "ENOMEM", "Cannot allocate memory"),
    (13, "EACCES", "Permission denied"),
    (14, "EFAULT", "Bad address"),
    (15, "ENOTBLK", "Block device required"),
    (16, "EBUSY", "Device or resource busy"),
    (17, "EEXIST", "File exists"),
    (18, "EXDEV", "Invalid cross-device link"),
    (19, "ENODEV", "No such device"),
    (20, "ENOTDIR", "Not a directory"),
    (21, "EISDIR", "Is a directory"),
    (22, "EINVAL", "Invalid argument"),
    (23, "ENFILE", "Too many open files in system"),
    (24, "EMFILE", "Too many open files"),
    (25, "ENOTTY", "Inappropriate ioctl for device"),
    (26, "ETXTBSY", "Text file busy"),
    (27, "EFBIG", "File too large"),
    (28, "ENOSPC", "No space left on device"),
    (29, "ESPIPE", "Illegal seek"),
    (30, "EROFS", "Read-only file system"),
    (31, "EMLINK", "Too many links"),
    (32, "EPIPE", "Broken pipe"),
    (33, "EDOM", "Numerical argument out of domain"),
    (34, "ERANGE", "Numerical result out of range"),
    (35, "EDEADLK", "Resource deadlock avoided"),
    (36, "ENAMETOOLONG", "File name too long"),
    (37, "ENOLCK", "No locks available"),
    (38, "ENOSYS", "Function not implemented"),
    (39, "ENOTEMPTY", "Directory not empty"),
    (40, "ELOOP", "Too many levels of symbolic links"),
    (42, "ENOMSG", "No message of desired type"),
    (43, "EIDRM", "Identifier removed"),
    (44, "ECHRNG", "Channel number out of range"),
    (45, "EL2NSYNC", "Level 2 not synchronized"),
    (46, "EL3HLT", "Level 3 halted"),
    (47, "EL3RST", "Level 3 reset"),
    (48, "ELNRNG", "Link number out of range"),
    (49, "EUNATCH", "Protocol driver not attached"),
    (50, "ENOCSI", "No CSI structure available"),
    (51, "EL2HLT", "Level 2 halted"),
    (52, "EBADE", "Invalid exchange"),
    (53, "EBADR", "Invalid request descriptor"),
    (54, "EXFULL", "Exchange full"),
    (55, "ENOANO", "No anode"),
    (56, "EBADRQC", "Invalid request code"),
    (57, "EBADSLT", "Invalid slot"),
    (59, "EBFONT", "Bad font file format"),
    (60, "ENOSTR", "Device not a stream"),
    (61, "ENODATA", "No data available"),
    (62, "ETIME", "Timer expired"),
    (63, "ENOSR", "Out of streams resources"),
    (64, "ENONET", "Machine is not on the network"),
    (65, "ENOPKG", "Package not installed"),
    (66, "EREMOTE", "Object is remote"),
    (67, "ENOLINK", "Link has been severed"),
    (68, "EADV", "Advertise error"),
    (69, "ESRMNT", "Srmount error"),
    (70, "ECOMM", "Communication error on send"),
    (71, "EPROTO", "Protocol error"),
    (72, "EMULTIHOP", "Multihop attempted"),
    (73, "EDOTDOT", "RFS specific error"),
    (74, "EBADMSG", "Bad message"),
    (75, "EOVERFLOW", "Value too large for defined data type"),
    (76, "ENOTUNIQ", "Name not unique on network"),
    (77, "EBADFD", "File descriptor in bad state"),
    (78, "EREMCHG", "Remote address changed"),
    (79, "ELIBACC", "Can not access a needed shared library"),
    (80, "ELIBBAD", "Accessing a corrupted shared library"),
    (81, "ELIBSCN", ".lib section in a.out corrupted"),
    (82, "ELIBMAX", "Attempting to link in too many shared libraries"),
    (83, "ELIBEXEC", "Cannot exec a shared library directly"),
    (84, "EILSEQ", "Invalid or incomplete multibyte or wide character"),
    (85, "ERESTART", "Interrupted system call should be restarted"),
    (86, "ESTRPIPE", "Streams pipe error"),
    (87, "EUSERS", "Too many users"),
    (88, "ENOTSOCK", "Socket operation on non-socket"),
    (89, "EDESTADDRREQ", "Destination address required"),
    (90, "EMSGSIZE", "Message too long"),
    (91, "EPROTOTYPE", "Protocol wrong type for socket"),
    (92, "ENOPROTOOPT", "Protocol not available"),
    (93, "EPROTONOSUPPORT", "Protocol not supported"),
    (94, "ESOCKTNOSUPPORT", "Socket type not supported"),
    (95, "EOPNOTSUPP", "Operation not supported"),
    (96, "EPFNOSUPPORT", "Protocol family not supported"),
    (97, "EAFNOSUPPORT", "Address family not supported by protocol"),
    (98, "EADDRINUSE", "Address already in use"),
    (99, "EADDRNOTAVAIL", "Cannot assign requested address"),
    (100, "ENETDOWN", "Network is down"),
    (101, "ENETUNREACH", "Network is unreachable"),
    (102, "ENETRESET", "Network dropped connection on reset"),
    (103, "ECONNABORTED", "Software caused connection abort"),
    (104, "ECONNRESET", "Connection reset by peer"),
    (105, "ENOBUFS", "No buffer space available"),
    (106, "EISCONN", "Transport endpoint is already connected"),
    (107, "ENOTCONN", "Transport endpoint is not connected"),
    (108, "ESHUTDOWN", "Cannot send after transport endpoint shutdown"),
    (109, "ETOOMANYREFS", "Too many references: cannot splice"),
    (110, "ETIMEDOUT", "Connection timed out"),
    (111, "ECONNREFUSED", "Connection refused"),
    (112, "EHOSTDOWN", "Host is down"),
    (113, "EHOSTUNREACH", "No route to host"),
    (114, "EALREADY", "Operation already in progress"),
    (115, "EINPROGRESS", "Operation now in progress"),
    (116, "ESTALE", "Stale file handle"),
    (117, "EUCLEAN", "Structure needs cleaning"),
    (118, "ENOTNAM", "Not a XENIX named type file"),
    (119, "ENAVAIL", "No XENIX semaphores available"),
    (120, "EISNAM", "Is a named type file"),
    (121, "EREMOTEIO", "Remote I/O error"),
    (122, "EDQUOT", "Disk quota exceeded"),
    (123, "ENOMEDIUM", "No medium found"),
    (124, "EMEDIUMTYPE", "Wrong medium type"),
    (125, "ECANCELED", "Operation canceled"),
    (126, "ENOKEY", "Required key not available"),
    (127, "EKEYEXPIRED", "Key has expired"),
    (128, "EKEYREVOKED", "Key has been revoked"),
    (129, "EKEYREJECTED", "Key was rejected by service"),
    (130, "EOWNERDEAD", "Owner died"),
    (131, "ENOTRECOVERABLE", "State not recoverable"),
    (132, "ERFKILL", "Operation not possible due to RF-kill"),
    (133, "EHWPOISON", "Memory page has hardware error"),
    (512, "ERESTARTSYS", "To be restarted if SA_RESTART is set"),
    (513, "ERESTARTNOINTR", "To be restarted"),
    (514, "ERESTARTNOHAND", "To be restarted if no handler"),
    (515, "ENOIOCTLCMD", "No ioctl command"),
    (516, "ERESTART_RESTARTBLOCK", "Interrupted by signal"),
    (517, "EPROBE_DEFER", "Driver requests probe retry"),
    (518, "EOPENSTALE", "Open found a stale dentry"),
    (519, "ENOPARAM", "Parameter not supported"),
    (521, "EBADHANDLE", "Illegal NFS file handle"),
    (522, "ENOTSYNC", "Update synchronization mismatch"),
    (523, "EBADCOOKIE", "Cookie is stale"),
    (524, "ENOTSUPP", "Operation is not supported"),
    (525, "ETOOSMALL", "Buffer or request is too small"),
    (526, "ESERVERFAULT", "An untranslatable error occurred"),
    (527, "EBADTYPE", "Type not supported by server"),
    (528, "EJUKEBOX", "Request initiated, but will not complete before timeout"),
    (529, "EIOCBQUEUED", "iocb queued, will get completion event"),
    (530, "ERECALLCONFLICT", "Conflict with recalled state"),
];

impl Errno {
    #[doc = "`EPERM` (1): Operation not permitted."]
    pub const PERM: Errno = Errno(1);
    #[doc = "`ENOENT` (2): No such file or directory."]
    pub const NOENT: Errno = Errno(2);
    #[doc = "`ESRCH` (3): No such process."]
    pub const SRCH: Errno = Errno(3);
    #[doc = "`EINTR` (4): Interrupted system call."]
    pub const INTR: Errno = Errno(4);
    #[doc = "`EIO` (5): Input/output error."]
    pub const IO: Errno = Errno(5);
    #[doc = "`ENXIO` (6): No such device or address."]
    pub const NXIO: Errno = Errno(6);
    #[doc = "`E2BIG` (7): Argument list too long."]
    pub const E2BIG: Errno = Errno(7);
    #[doc = "`ENOEXEC` (8): Exec format error."]
    pub const NOEXEC: Errno = Errno(8);
    #[doc = "`EBADF` (9): Bad file descriptor."]
    pub const BADF: Errno = Errno(9);
    #[doc = "`ECHILD` (10): No child processes."]
    pub const CHILD: Errno = Errno(10);
    #[doc = "`EAGAIN` (11): Resource temporarily unavailable."]
    pub const AGAIN: Errno = Errno(11);
    #[doc = "`ENOMEM` (12): Cannot allocate memory."]
    pub const NOMEM: Errno = Errno(12);
    #[doc = "`EACCES` (13): Permission denied."]
    pub const ACCES: Errno = Errno(13);
    #[doc = "`EFAULT` (14): Bad address."]
    pub const FAULT: Errno = Errno(14);
    #[doc = "`ENOTBLK` (15): Block device required."]
    pub const NOTBLK: Errno = Errno(15);
    #[doc = "`EBUSY` (16): Device or resource busy."]
    pub const BUSY: Errno = Errno(16);
    #[doc = "`EEXIST` (17): File exists."]
    pub const EXIST: Errno = Errno(17);
    #[doc = "`EXDEV` (18): Invalid cross-device link."]
    pub const XDEV: Errno = Errno(18);
    #[doc = "`ENODEV` (19): No such device."]
    pub const NODEV: Errno = Errno(19);
    #[doc = "`ENOTDIR` (20): Not a directory."]
    pub const NOTDIR: Errno = Errno(20);
    #[doc = "`EISDIR` (21): Is a directory."]
    pub const ISDIR: Errno = Errno(21);
    #[doc = "`EINVAL` (22): Invalid argument."]
    pub const INVAL: Errno = Errno(22);
    #[doc = "`ENFILE` (23): Too many open files in system."]
    pub const NFILE: Errno = Errno(23);
    #[doc = "`EMFILE` (24): Too many open files."]
    pub const MFILE: Errno = Errno(24);
    #[doc = "`ENOTTY` (25): Inappropriate ioctl for device."]
    pub const NOTTY: Errno = Errno(25);
    #[doc = "`ETXTBSY` (26): Text file busy."]
    pub const TXTBSY: Errno = Errno(26);
    #[doc = "`EFBIG` (27): File too large."]
    pub const FBIG: Errno = Errno(27);
    #[doc = "`ENOSPC` (28): No space left on device."]
    pub const NOSPC: Errno = Errno(28);
    #[doc = "`ESPIPE` (29): Illegal seek."]
    pub const SPIPE: Errno = Errno(29);
    #[doc = "`EROFS` (30): Read-only file system."]
    pub const ROFS: Errno = Errno(30);
    #[doc = "`EMLINK` (31): Too many links."]
    pub const MLINK: Errno = Errno(31);
    #[doc = "`EPIPE` (32): Broken pipe."]
    pub const PIPE: Errno = Errno(32);
    #[doc = "`EDOM` (33): Numerical argument out of domain."]
    pub const DOM: Errno = Errno(33);
    #[doc = "`ERANGE` (34): Numerical result out of range."]
    pub const RANGE: Errno = Errno(34);
    #[doc = "`EDEADLK` (35): Resource deadlock avoided."]
    pub const DEADLK: Errno = Errno(35);
    #[doc = "`ENAMETOOLONG` (36): File name too long."]
    pub const NAMETOOLONG: Errno = Errno(36);
    #[doc = "`ENOLCK` (37): No locks available."]
    pub const NOLCK: Errno = Errno(37);
    #[doc = "`ENOSYS` (38): Function not implemented."]
    pub const NOSYS: Errno = Errno(38);
    #[doc = "`ENOTEMPTY` (39): Directory not empty."]
    pub const NOTEMPTY: Errno = Errno(39);
    #[doc = "`ELOOP` (40): Too many levels of symbolic links."]
    pub const LOOP: Errno = Errno(40);
    #[doc = "`ENOMSG` (42): No message of desired type."]
    pub const NOMSG: Errno = Errno(42);
    #[doc = "`EIDRM` (43): Identifier removed."]
    pub const IDRM: Errno = Errno(43);
    #[doc = "`ECHRNG` (44): Channel number out of range."]
    pub const CHRNG: Errno = Errno(44);
    #[doc = "`EL2NSYNC` (45): Level 2 not synchronized."]
    pub const L2NSYNC: Errno = Errno(45);
    #[doc = "`EL3HLT` (46): Level 3 halted."]
    pub const L3HLT: Errno = Errno(46);
    #[doc = "`EL3RST` (47): Level 3 reset."]
    pub const L3RST: Errno = Errno(47);
    #[doc = "`ELNRNG` (48): Link number out of range."]
    pub const LNRNG: Errno = Errno(48);
    #[doc = "`EUNATCH` (49): Protocol driver not attached."]
    pub const UNATCH: Errno = Errno(49);
    #[doc = "`ENOCSI` (50): No CSI structure available."]
    pub const NOCSI: Errno = Errno(50);
    #[doc = "`EL2HLT` (51): Level 2 halted."]
    pub const L2HLT: Errno = Errno(51);
    #[doc = "`EBADE` (52): Invalid exchange."]
    pub const BADE: Errno = Errno(52);
    #[doc = "`EBADR` (53): Invalid request descriptor."]
    pub const BADR: Errno = Errno(53);
    #[doc = "`EXFULL` (54): Exchange full."]
    pub const XFULL: Errno = Errno(54);
    #[doc = "`ENOANO` (55): No anode."]
    pub const NOANO: Errno = Errno(55);
    #[doc = "`EBADRQC` (56): Invalid request code."]
    pub const BADRQC: Errno = Errno(56);
    #[doc = "`EBADSLT` (57): Invalid slot."]
    pub const BADSLT: Errno = Errno(57);
    #[doc = "`EBFONT` (59): Bad font file format."]
    pub const BFONT: Errno = Errno(59);
    #[doc = "`ENOSTR` (60): Device not a stream."]
    pub const NOSTR: Errno = Errno(60);
    #[doc = "`ENODATA` (61): No data available."]
    pub const NODATA: Errno = Errno(61);
    #[doc = "`ETIME` (62): Timer expired."]
    pub const TIME: Errno = Errno(62);
    #[doc = "`ENOSR` (63): Out of streams resources."]
    pub const NOSR: Errno = Errno(63);
    #[doc = "`ENONET` (64): Machine is not on the network."]
    pub const NONET: Errno = Errno(64);
    #[doc = "`ENOPKG` (65): Package not installed."]
    pub const NOPKG: Errno = Errno(65);
    #[doc = "`EREMOTE` (66): Object is remote."]
    pub const REMOTE: Errno = Errno(66);
    #[doc = "`ENOLINK` (67): Link has been severed."]
    pub const NOLINK: Errno = Errno(67);
    #[doc = "`EADV` (68): Advertise error."]
    pub const ADV: Errno = Errno(68);
    #[doc = "`ESRMNT` (69): Srmount error."]
    pub const SRMNT: Errno = Errno(69);
    #[doc = "`ECOMM` (70): Communication error on send."]
    pub const COMM: Errno = Errno(70);
    #[doc = "`EPROTO` (71): Protocol error."]
    pub const PROTO: Errno = Errno(71);
    #[doc = "`EMULTIHOP` (72): Multihop attempted."]
    pub const MULTIHOP: Errno = Errno(72);
    #[doc = "`EDOTDOT` (73): RFS specific error."]
    pub const DOTDOT: Errno = Errno(73);
    #[doc = "`EBADMSG` (74): Bad message."]
    pub const BADMSG: Errno = Errno(74);
    #[doc = "`EOVERFLOW` (75): Value too large for defined data type."]
    pub const OVERFLOW: Errno = Errno(75);
    #[doc = "`ENOTUNIQ` (76): Name not unique on network."]
    pub const NOTUNIQ: Errno = Errno(76);
    #[doc = "`EBADFD` (77): File descriptor in bad state."]
    pub const BADFD: Errno = Errno(77);
    #[doc = "`EREMCHG` (78): Remote address changed."]
    pub const REMCHG: Errno = Errno(78);
    #[doc = "`ELIBACC` (79): Can not access a needed shared library."]
    pub const LIBACC: Errno = Errno(79);
    #[doc = "`ELIBBAD` (80): Accessing a corrupted shared library."]
    pub const LIBBAD: Errno = Errno(80);
    #[doc = "`ELIBSCN` (81): .lib section in a.out corrupted."]
    pub const LIBSCN: Errno = Errno(81);
    #[doc = "`ELIBMAX` (82): Attempting to link in too many shared libraries."]
    pub const LIBMAX: Errno = Errno(82);
    #[doc = "`ELIBEXEC` (83): Cannot exec a shared library directly."]
    pub const LIBEXEC: Errno = Errno(83);
    #[doc = "`EILSEQ` (84): Invalid or incomplete multibyte or wide character."]
    pub const ILSEQ: Errno = Errno(84);
    #[doc = "`ERESTART` (85): Interrupted system call should be restarted."]
    pub const RESTART: Errno = Errno(85);
    #[doc = "`ESTRPIPE` (86): Streams pipe error."]
    pub const STRPIPE: Errno = Errno(86);
    #[doc = "`EUSERS` (87): Too many users."]
    pub const USERS: Errno = Errno(87);
    #[doc = "`ENOTSOCK` (88): Socket operation on non-socket."]
    pub const NOTSOCK: Errno = Errno(88);
    #[doc = "`EDESTADDRREQ` (89): Destination address required."]
    pub const DESTADDRREQ: Errno = Errno(89);
    #[doc = "`EMSGSIZE` (90): Message too long."]
    pub const MSGSIZE: Errno = Errno(90);
    #[doc = "`EPROTOTYPE` (91): Protocol wrong type for socket."]
    pub const PROTOTYPE: Errno = Errno(91);
    #[doc = "`ENOPROTOOPT` (92): Protocol not available."]
    pub const NOPROTOOPT: Errno = Errno(92);
    #[doc = "`EPROTONOSUPPORT` (93): Protocol not supported."]
    pub const PROTONOSUPPORT: Errno = Errno(93);
    #[doc = "`ESOCKTNOSUPPORT` (94): Socket type not supported."]
    pub const SOCKTNOSUPPORT: Errno = Errno(94);
    #[doc = "`EOPNOTSUPP` (95): Operation not supported."]
    pub const OPNOTSUPP: Errno = Errno(95);
    #[doc = "`EPFNOSUPPORT` (96): Protocol family not supported."]
    pub const PFNOSUPPORT: Errno = Errno(96);
    #[doc = "`EAFNOSUPPORT` (97): Address family not supported by protocol."]
    pub const AFNOSUPPORT: Errno = Errno(97);
    #[doc = "`EADDRINUSE` (98): Address already in use."]
    pub const ADDRINUSE: Errno = Errno(98);
    #[doc = "`EADDRNOTAVAIL` (99): Cannot assign requested address."]
    pub const ADDRNOTAVAIL: Errno = Errno(99);
    #[doc = "`ENETDOWN` (100): Network is down."]
    pub const NETDOWN: Errno = Errno(100);
    #[doc = "`ENETUNREACH` (101): Network is unreachable."]
    pub const NETUNREACH: Errno = Errno(101);
    #[doc = "`ENETRESET` (102): Network dropped connection on reset."]
    pub const NETRESET: Errno = Errno(102);
    #[doc = "`ECONNABORTED` (103): Software caused connection abort."]
    pub const CONNABORTED: Errno = Errno(103);
    #[doc = "`ECONNRESET` (104): Connection reset by peer."]
    pub const CONNRESET: Errno = Errno(104);
    #[doc = "`ENOBUFS` (105): No buffer space available."]
    pub const NOBUFS: Errno = Errno(105);
    #[doc = "`EISCONN` (106): Transport endpoint is already connected."]
    pub const ISCONN: Errno = Errno(106);
    #[doc = "`ENOTCONN` (107): Transport endpoint is not connected."]
    pub const NOTCONN: Errno = Errno(107);
    #[doc = "`ESHUTDOWN` (108): Cannot send after transport endpoint shutdown."]
    pub const SHUTDOWN: Errno = Errno(108);
    #[doc = "`ETOOMANYREFS` (109): Too many references: cannot splice."]
    pub const TOOMANYREFS: Errno = Errno(109);
    #[doc = "`ETIMEDOUT` (110): Connection timed out."]
    pub const TIMEDOUT: Errno = Errno(110);
    #[doc = "`ECONNREFUSED` (111): Connection refused."]
    pub const CONNREFUSED: Errno = Errno(111);
    #[doc = "`EHOSTDOWN` (112): Host is down."]
    pub const HOSTDOWN: Errno = Errno(112);
    #[doc = "`EHOSTUNREACH` (113): No route to host."]
    pub const HOSTUNREACH: Errno = Errno(113);
    #[doc = "`EALREADY` (114): Operation already in progress."]
    pub const ALREADY: Errno = Errno(114);
    #[doc = "`EINPROGRESS` (115): Operation now in progress."]
    pub const INPROGRESS: Errno = Errno(115);
    #[doc = "`ESTALE` (116): Stale file handle."]
    pub const STALE: Errno = Errno(116);
    #[doc = "`EUCLEAN` (117): Structure needs cleaning."]
    pub const UCLEAN: Errno = Errno(117);
    #[doc = "`ENOTNAM` (118): Not a XENIX named type file."]
    pub const NOTNAM: Errno = Errno(118);
    #[doc = "`ENAVAIL` (119): No XENIX semaphores available."]
    pub const NAVAIL: Errno = Errno(119);
    #[doc = "`EISNAM` (120): Is a named type file."]
    pub const ISNAM: Errno = Errno(120);
    #[doc = "`EREMOTEIO` (121): Remote I/O error."]
    pub const REMOTEIO: Errno = Errno(121);
    #[doc = "`EDQUOT` (122): Disk quota exceeded."]
    pub const DQUOT: Errno = Errno(122);
    #[doc = "`ENOMEDIUM` (123): No medium found."]
    pub const NOMEDIUM: Errno = Errno(123);
    #[doc = "`EMEDIUMTYPE` (124): Wrong medium type."]
    pub const MEDIUMTYPE: Errno = Errno(124);
    #[doc = "`ECANCELED` (125): Operation canceled."]
    pub const CANCELED: Errno = Errno(125);
    #[doc = "`ENOKEY` (126): Required key not available."]
    pub const NOKEY: Errno = Errno(126);
    #[doc = "`EKEYEXPIRED` (127): Key has expired."]
    pub const KEYEXPIRED: Errno = Errno(127);
    #[doc = "`EKEYREVOKED` (128): Key has been revoked."]
    pub const KEYREVOKED: Errno = Errno(128);
    #[doc = "`EKEYREJECTED` (129): Key was rejected by service."]
    pub const KEYREJECTED: Errno = Errno(129);
    #[doc = "`EOWNERDEAD` (130): Owner died."]
    pub const OWNERDEAD: Errno = Errno(130);
    #[doc = "`ENOTRECOVERABLE` (131): State not recoverable."]
    pub const NOTRECOVERABLE: Errno = Errno(131);
    #[doc = "`ERFKILL` (132): Operation not possible due to RF-kill."]
    pub const RFKILL: Errno = Errno(132);
    #[doc = "`EHWPOISON` (133): Memory page has hardware error."]
    pub const HWPOISON: Errno = Errno(133);
    #[doc = "`ERESTARTSYS` (512): To be restarted if SA_RESTART is set."]
    pub const RESTARTSYS: Errno = Errno(512);
    #[doc = "`ERESTARTNOINTR` (513): To be restarted."]
    pub const RESTARTNOINTR: Errno = Errno(513);
    #[doc = "`ERESTARTNOHAND` (514): To be restarted if no handler."]
    pub const RESTARTNOHAND: Errno = Errno(514);
    #[doc = "`ENOIOCTLCMD` (515): No ioctl command."]
    pub const NOIOCTLCMD: Errno = Errno(515);
    #[doc = "`ERESTART_RESTARTBLOCK` (516): Interrupted by signal."]
    pub const RESTART_RESTARTBLOCK: Errno = Errno(516);
    #[doc = "`EPROBE_DEFER` (517): Driver requests probe retry."]
    pub const PROBE_DEFER: Errno = Errno(517);
    #[doc = "`EOPENSTALE` (518): Open found a stale dentry."]
    pub const OPENSTALE: Errno = Errno(518);
    #[doc = "`ENOPARAM` (519): Parameter not supported."]
    pub const NOPARAM: Errno = Errno(519);
    #[doc = "`EBADHANDLE` (521): Illegal NFS file handle."]
    pub const BADHANDLE: Errno = Errno(521);
    #[doc = "`ENOTSYNC` (522): Update synchronization mismatch."]
    pub const NOTSYNC: Errno = Errno(522);
    #[doc = "`EBADCOOKIE` (523): Cookie is stale."]
    pub const BADCOOKIE: Errno = Errno(523);
    #[doc = "`ENOTSUPP` (524): Operation is not supported."]
    pub const NOTSUPP: Errno = Errno(524);
    #[doc = "`ETOOSMALL` (525): Buffer or request is too small."]
    pub const TOOSMALL: Errno = Errno(525);
    #[doc = "`ESERVERFAULT` (526): An untranslatable error occurred."]
    pub const SERVERFAULT: Errno = Errno(526);
    #[doc = "`EBADTYPE` (527): Type not supported by server."]
    pub const BADTYPE: Errno = Errno(527);
    #[doc = "`EJUKEBOX` (528): Request initiated, but will not complete before timeout."]
    pub const JUKEBOX: Errno = Errno(528);
    #[doc = "`EIOCBQUEUED` (529): iocb queued, will get completion event."]
    pub const IOCBQUEUED: Errno = Errno(529);
    #[doc = "`ERECALLCONFLICT` (530): Conflict with recalled state."]
    pub const RECALLCONFLICT: Errno = Errno(530);
}
