import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private PostgreSQL cluster for the tests: `initdb` into a temporary folder, `pg_ctl start` on a free loopback
/// port with its socket in that folder, once per test process, stopped (and its folder removed) when the process
/// ends. Never the machine's default cluster or port.
///
/// The binaries come from `SUBTITLER_TEST_POSTGRES_BIN` or Debian's `/usr/lib/postgresql/15/bin` (package
/// `postgresql-15`, installed by `scripts/setup`). PostgreSQL refuses to run as root: under root the cluster runs as
/// the `postgres` user (`runuser`). Tests use it as a trait, `.enabled(if: PostgresCluster.isConfigured)`: with
/// `SUBTITLER_REQUIRE_BACKEND=1` they run, and fail when the cluster cannot start.
public final class PostgresCluster: Sendable {
    /// The server's address: always loopback.
    public let host = "127.0.0.1"
    /// The port it listens on.
    public let port: Int
    /// The superuser the tests connect as (trust authentication on loopback, no password).
    public let user = "subtitler"
    /// The cluster's folder (data, socket, log).
    public let directory: URL
    private let binaries: URL

    /// The folder of PostgreSQL's programs.
    public static var binDirectory: URL {
        let path = ProcessInfo.processInfo.environment["SUBTITLER_TEST_POSTGRES_BIN"].flatMap { $0.isEmpty ? nil : $0 }
        return URL(fileURLWithPath: path ?? "/usr/lib/postgresql/15/bin")
    }

    /// Whether the PostgreSQL tests run: the programs are there, or the backend is required (they then fail when
    /// the programs are missing).
    public static var isConfigured: Bool {
        LocalBackend.isRequired || FileManager.default.isExecutableFile(atPath: binDirectory.appendingPathComponent("pg_ctl").path)
    }

    /// The one start of the process's cluster, on a thread of its own: `initdb` and `pg_ctl` are waited for there,
    /// never on a cooperative thread (two tests blocked on them would hold both of this machine's).
    private static let startup = Task<PostgresCluster, any Error> {
        try await OwnThread.run { try PostgresCluster.start() }
    }

    /// The process's cluster, started on first use; every caller waits for the same start.
    /// - Throws: ``PostgresClusterError`` when it cannot be started (the message says which program failed and why).
    public static func shared() async throws -> PostgresCluster {
        do {
            return try await startup.value
        } catch let error as PostgresClusterError {
            throw error
        } catch {
            throw PostgresClusterError("\(error)")
        }
    }

    /// A cluster of the caller's own, for a test that stops and restarts its server (the shared one stays up for
    /// the others); stopped and removed when the process ends, as the shared one.
    public static func startSeparate() async throws -> PostgresCluster {
        try await OwnThread.run { try PostgresCluster.start() }
    }

    private init(port: Int, directory: URL, binaries: URL) {
        self.port = port
        self.directory = directory
        self.binaries = binaries
    }

    private static func start() throws -> PostgresCluster {
        let binaries = binDirectory
        guard FileManager.default.isExecutableFile(atPath: binaries.appendingPathComponent("initdb").path) else {
            throw PostgresClusterError("PostgreSQL is not installed at \(binaries.path) (apt-get install postgresql-15, "
                                       + "or scripts/setup; SUBTITLER_TEST_POSTGRES_BIN names another folder)")
        }
        let directory = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("subtitler-pg-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if geteuid() == 0 { try run("/bin/chown", ["postgres:postgres", directory.path], asPostgres: false) }
        try run(binaries.appendingPathComponent("initdb").path, [
            "-D", directory.appendingPathComponent("data").path, "-U", "subtitler", "--auth=trust", "-E", "UTF8",
            "--no-sync", "--no-instructions",
        ])
        // The watcher first: whatever happens from here on (a failed start, a crash of this process), the server is
        // stopped and the folder removed once this process is gone.
        try stopWhenThisProcessEnds(directory: directory, binaries: binaries)
        var lastError: PostgresClusterError?
        for _ in 0..<5 {
            let port = try freePort()
            do {
                try run(binaries.appendingPathComponent("pg_ctl").path, [
                    "-D", directory.appendingPathComponent("data").path, "-l", directory.appendingPathComponent("log").path,
                    "-w", "-t", "60", "-o", serverOptions(port: port, directory: directory), "start",
                ])
                return PostgresCluster(port: port, directory: directory, binaries: binaries)
            } catch let error as PostgresClusterError {
                lastError = error
            }
        }
        throw lastError ?? PostgresClusterError("pg_ctl start failed")
    }

    /// The server's settings: this port, its socket in the cluster's folder, loopback only, no fsync (test data).
    private static func serverOptions(port: Int, directory: URL) -> String {
        "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    }

    /// Stops the server now (`fast`: connections are cut, as in a restart), keeping its data. Blocks the calling
    /// thread until `pg_ctl` returns: call it through ``OwnThread/run(_:)`` from a task.
    public func stop() throws {
        try Self.run(binaries.appendingPathComponent("pg_ctl").path, [
            "-D", directory.appendingPathComponent("data").path, "-m", "fast", "-w", "stop",
        ])
    }

    /// Starts the stopped server again on the same port (blocking, as ``stop()``).
    public func restart() throws {
        try Self.run(binaries.appendingPathComponent("pg_ctl").path, [
            "-D", directory.appendingPathComponent("data").path, "-l", directory.appendingPathComponent("log").path,
            "-w", "-t", "60", "-o", Self.serverOptions(port: port, directory: directory), "start",
        ])
    }

    /// A watcher that outlives a crash of this process: once the process is gone, it stops the server (if it runs)
    /// and removes the folder.
    private static func stopWhenThisProcessEnds(directory: URL, binaries: URL) throws {
        let pgctl = binaries.appendingPathComponent("pg_ctl").path
        let data = directory.appendingPathComponent("data").path
        let stop = geteuid() == 0 ? "runuser -u postgres -- \(pgctl)" : pgctl
        let script = "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; "
            + "\(stop) -D '\(data)' -m immediate -w stop >/dev/null 2>&1; rm -rf '\(directory.path)'"
        let devNull = open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer { close(devNull) }
        // Not waited for: it ends after this process.
        _ = try spawn("/usr/bin/setsid", ["/bin/sh", "-c", script], output: devNull)
    }

    /// A loopback port nobody listens on now.
    private static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw PostgresClusterError("no socket for a free port") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
            }
        }
        guard bound else { throw PostgresClusterError("no free loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Runs a PostgreSQL program (as `postgres` under root) and waits for it, blocking the calling thread.
    ///
    /// Not Foundation's `Process`: on Linux it learns that a child ended when a socket the child inherited closes, and
    /// the server that `pg_ctl start` leaves running inherits it too, so `waitUntilExit()` never returns. Here the
    /// child keeps only its standard descriptors (its output goes to a file) and is waited for by its process id.
    private static func run(_ program: String, _ arguments: [String], asPostgres: Bool = true) throws {
        let (executable, argv) = asPostgres && geteuid() == 0
            ? ("/usr/sbin/runuser", ["-u", "postgres", "--", program] + arguments)
            : (program, arguments)
        let outputPath = NSTemporaryDirectory() + "subtitler-pg-\(UUID().uuidString).out"
        let output = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw PostgresClusterError("cannot create \(outputPath): errno \(errno)") }
        defer { unlink(outputPath) }
        let pid: pid_t
        do {
            pid = try spawn(executable, argv, output: output)
        } catch {
            close(output)
            throw error
        }
        close(output)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw PostgresClusterError("waitpid for \(program) failed: errno \(errno)") }
        }
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exited = status & 0x7f == 0
        let code = exited ? (status >> 8) & 0xff : -(status & 0x7f)
        guard exited && code == 0 else {
            let last = text.split(separator: "\n").last.map(String.init) ?? ""
            throw PostgresClusterError("\((program as NSString).lastPathComponent) \(arguments.last ?? "") failed "
                                       + "(\(exited ? "status" : "signal") \(abs(code))): \(last)")
        }
    }

    /// Starts `executable` with `arguments`, standard input from /dev/null, standard output and error to `output`,
    /// and no other descriptor of this process (`posix_spawn_file_actions_addclosefrom_np`, glibc 2.34 and later).
    private static func spawn(_ executable: String, _ arguments: [String], output: Int32) throws -> pid_t {
        guard let closeFrom = closeFrom else { throw PostgresClusterError("glibc has no posix_spawn_file_actions_addclosefrom_np") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        _ = closeFrom(&actions, 3)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard result == 0 else { throw PostgresClusterError("cannot start \(executable): errno \(result)") }
        return pid
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np`, which Swift's Glibc module does not show (it is a GNU
    /// extension), looked up at run time.
    private static let closeFrom: CloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            return nil
        }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()
}

/// Why the tests' PostgreSQL cluster could not start.
public struct PostgresClusterError: Error, Sendable, CustomStringConvertible {
    /// One line: which program failed, and its last line of output.
    public var description: String
    init(_ description: String) { self.description = description }
}
