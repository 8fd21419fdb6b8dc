import Foundation

/// A fresh directory under the system's temporary directory, for one test; `cleanup()` removes it.
public struct TemporaryDirectory: Sendable {
    /// The directory.
    public let url: URL

    /// Creates the directory.
    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("subtitler-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of `name` inside the directory.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// A resume-cache directory inside it (`cache/`), for runs that must not touch the user's cache.
    public var cache: URL { url.appendingPathComponent("cache") }

    /// The names in the directory (or in its subdirectory `name`), sorted, leaving out `cache`.
    public func files(in name: String = "") throws -> [String] {
        let directory = name.isEmpty ? url : url.appendingPathComponent(name)
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0 != "cache" }.sorted()
    }

    /// Removes the directory and everything in it.
    public func cleanup() { try? FileManager.default.removeItem(at: url) }

    /// A process id that is not running: a child that has exited and been reaped (for temporary files of a "killed"
    /// writer).
    public static func deadProcessID() throws -> pid_t {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    /// Creates the temporary files a killed writer (`pid`) would leave, and one of this process, in `folder`; returns
    /// the names of the stale ones and of the live one.
    public func plantTemporaries(in folder: String = "", deadProcess pid: pid_t) throws -> (stale: [String], live: String) {
        let directory = folder.isEmpty ? url : url.appendingPathComponent(folder)
        let stale = [".other.mkv.\(pid).ABCD1234.tmp", ".other.mkv.\(pid).ABCD1234.tmp.m4a", ".x.en.srt.\(pid).1234ABCD.tmp"]
        let live = ".busy.mkv.\(getpid()).BEEF0123.tmp"
        for name in stale + [live] {
            guard FileManager.default.createFile(atPath: directory.appendingPathComponent(name).path,
                                                 contents: Data(count: 1_024)) else {
                throw CocoaError(.fileWriteUnknown)
            }
        }
        return (stale, live)
    }
}

/// A TCP port on 127.0.0.1 that is bound but never listens, so every connection to it is refused at once, and no
/// other test can take it while the value lives (a port freed by a stopped server can be reused by a parallel test).
public final class RefusingPort: Sendable {
    private let socketDescriptor: Int32
    /// The port.
    public let port: Int

    /// Reserves a port.
    public init() throws {
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketDescriptor, $0, &length) }
        }
        guard socketDescriptor >= 0, bound == 0, named == 0 else {
            if socketDescriptor >= 0 { close(socketDescriptor) }
            throw CocoaError(.featureUnsupported)
        }
        self.socketDescriptor = socketDescriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// `http://127.0.0.1:PORT/v1`.
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    deinit { close(socketDescriptor) }
}
