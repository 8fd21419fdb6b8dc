import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import NIOCore

/// The request context of the service: Hummingbird's core storage plus the client's address.
package struct ServiceRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    /// The client's address, when the connection has one.
    package let remoteAddress: SocketAddress?

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// JSON bodies (jobs API, hooks) are read up to 64 KB; uploads are streamed and capped separately.
    package var maxUploadSize: Int { 64 * 1024 }
}

/// An IP network such as `192.168.1.0/24` or `fd00::/8`.
package struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    let address: [UInt8]
    let prefix: Int

    /// Parses `ADDRESS/PREFIX` (or a bare address: one host).
    package init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let bytes = Self.bytes(of: parts[0]) else { return nil }
        let bits = bytes.count * 8
        let prefix = parts.count == 2 ? Int(parts[1]) : bits
        guard let prefix, (0...bits).contains(prefix) else { return nil }
        address = bytes
        self.prefix = prefix
    }

    /// Whether `ip` (text form) lies in the network; IPv4-mapped IPv6 addresses count as IPv4.
    package func contains(_ ip: String) -> Bool {
        guard var bytes = Self.bytes(of: ip) else { return false }
        if bytes.count == 16, address.count == 4, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            bytes = Array(bytes[12...])
        }
        guard bytes.count == address.count else { return false }
        var remaining = prefix
        for (a, b) in zip(address, bytes) {
            if remaining <= 0 { return true }
            let mask: UInt8 = remaining >= 8 ? 0xFF : UInt8(0xFF << (8 - remaining) & 0xFF)
            if a & mask != b & mask { return false }
            remaining -= 8
        }
        return true
    }

    static func bytes(of text: String) -> [UInt8]? {
        var v4 = [UInt8](repeating: 0, count: 4)
        if inet_pton(AF_INET, text, &v4) == 1 { return v4 }
        var v6 = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET6, text, &v6) == 1 { return v6 }
        return nil
    }

    /// Whether an address is a loopback address (`127.0.0.0/8`, `::1`, or IPv4-mapped loopback).
    package static func isLoopback(_ ip: String) -> Bool {
        loopbacks.contains { $0.contains(ip) }
    }

    static let loopbacks = [IPNetwork("127.0.0.0/8")!, IPNetwork("::1/128")!]

    package var description: String {
        let text = address.count == 4 ? address.map(String.init).joined(separator: ".") : "ipv6"
        return "\(text)/\(prefix)"
    }
}

/// Who may call what.
///
/// - The jobs API, the hooks and `/metrics` need the token when the service has one (it must have one when it listens
///   beyond loopback): `Authorization: Bearer <token>`, or HTTP Basic with the token as the password; Plex's and
///   Emby's hooks also take it as `?token=<token>` (those servers send no headers).
/// - Bazarr's endpoints (`/status`, `/asr`, `/detect-language`) cannot send a token: they are served only to
///   loopback clients and to clients in an `--allow` network.
/// - `/healthz` is open.
struct AccessPolicy: RouterMiddleware {
    typealias Context = ServiceRequestContext

    let token: String?
    let allowed: [IPNetwork]
    /// The client's IP address (the connection's; in-process tests name one).
    var peerAddress: @Sendable (Request, Context) -> String? = connectionAddress

    /// The address of the connection the request came on.
    static let connectionAddress: @Sendable (Request, Context) -> String? = { _, context in context.remoteAddress?.ipAddress }

    static let bazarrPaths: Set<String> = ["/status", "/asr", "/detect-language"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path == "/healthz" { return try await next(request, context) }
        if Self.bazarrPaths.contains(path) {
            guard let ip = peerAddress(request, context), IPNetwork.isLoopback(ip) || allowed.contains(where: { $0.contains(ip) })
            else {
                return ServiceResponses.error(.forbidden, "Bazarr's endpoints are served to loopback and --allow clients only")
            }
            return try await next(request, context)
        }
        if let token {
            guard Self.presents(token, in: request.headers[.authorization] ?? "")
                || (Self.queryTokenPaths.contains(path) && Self.presents(token, inQuery: request.uri.queryParameters["token"]))
            else {
                var response = ServiceResponses.error(.unauthorized, "a bearer token is required")
                response.headers[.wwwAuthenticate] = "Bearer"
                return response
            }
        }
        return try await next(request, context)
    }

    /// Whether an `Authorization` header carries the token: `Bearer <token>`, or HTTP Basic with the token as the
    /// password (Sonarr's and Radarr's Webhook connections can send only a username and a password).
    static func presents(_ token: String, in header: String) -> Bool {
        if header.hasPrefix("Bearer ") { return constantTimeEqual(String(header.dropFirst(7)), token) }
        if header.hasPrefix("Basic "), let data = Data(base64Encoded: String(header.dropFirst(6))),
           let credentials = String(data: data, encoding: .utf8), let colon = credentials.firstIndex(of: ":") {
            return constantTimeEqual(String(credentials[credentials.index(after: colon)...]), token)
        }
        return false
    }

    /// The hooks of media servers that cannot send a header (Plex's and Emby's webhooks take only a URL): there the
    /// token may come as `?token=TOKEN`.
    static let queryTokenPaths: Set<String> = ["/v1/hooks/plex", "/v1/hooks/emby"]

    /// Whether a `token` query parameter is the token.
    static func presents(_ token: String, inQuery value: Substring?) -> Bool {
        guard let value else { return false }
        return constantTimeEqual(String(value), token)
    }

    /// Compares digests, so the time taken says nothing about the token.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let da = Array(SHA256.hash(data: Data(a.utf8)))
        let db = Array(SHA256.hash(data: Data(b.utf8)))
        var difference: UInt8 = 0
        for (x, y) in zip(da, db) { difference |= x ^ y }
        return difference == 0
    }
}

/// Small helpers for responses.
enum ServiceResponses {
    /// A JSON error body `{"error": "..."}` with a status.
    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(status, ["error": message])
    }

    /// A JSON body.
    static func json<Body: Encodable>(_ status: HTTPResponse.Status, _ body: Body) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let data = (try? encoder.encode(body)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A text body.
    static func text(_ status: HTTPResponse.Status, _ text: String, contentType: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
