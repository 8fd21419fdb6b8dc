import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Subtitler
import SubtitlerJobs

/// Tells other programs that subtitles were written: a completion webhook in subgen's JSON shape, and optionally a
/// Jellyfin or Plex library refresh for the video's folder. Every call has a short timeout; a failure is logged,
/// never fatal. Redirects are never followed (``noRedirectClient``): a media server's URL that answers 3xx to another
/// host must not get the token sent there, so the answer counts as a failure.
package struct Notifier: Sendable {
    /// A media server to refresh, with its URL and the token read from the environment.
    package struct MediaServer: Sendable, Hashable {
        /// Which kind of server.
        package enum Kind: String, Sendable, CaseIterable { case jellyfin, plex }
        /// Which kind of server.
        package var kind: Kind
        /// Its base URL, such as `http://127.0.0.1:8096`.
        package var url: String
        /// Its API token (never logged).
        package var token: String

        /// Creates a media server.
        package init(kind: Kind, url: String, token: String) {
            self.kind = kind
            self.url = url
            self.token = token
        }

        /// The server of `kind` configured in the environment: `SUBTITLER_JELLYFIN_URL` and
        /// `SUBTITLER_JELLYFIN_TOKEN`, or `SUBTITLER_PLEX_URL` and `SUBTITLER_PLEX_TOKEN`.
        package static func fromEnvironment(_ kind: Kind, _ environment: [String: String]) -> MediaServer? {
            let prefix = "SUBTITLER_\(kind.rawValue.uppercased())_"
            guard let url = environment[prefix + "URL"], !url.isEmpty,
                  let token = environment[prefix + "TOKEN"], !token.isEmpty else { return nil }
            return MediaServer(kind: kind, url: url, token: token)
        }
    }

    /// Where completion events are POSTed, if anywhere.
    package var webhookURL: String?
    /// Media servers to refresh after writing.
    package var mediaServers: [MediaServer]
    /// How long each call may take.
    package var timeout: Duration
    let httpClient: HTTPClient
    let logger: Logger

    /// Creates a notifier.
    package init(webhookURL: String?, mediaServers: [MediaServer], timeout: Duration = .seconds(10),
                httpClient: HTTPClient = Notifier.noRedirectClient,
                logger: Logger = Logger(label: "subtitler.service.notify")) {
        self.webhookURL = webhookURL
        self.mediaServers = mediaServers
        self.timeout = timeout
        self.httpClient = httpClient
        self.logger = logger
    }

    /// The client every notifier uses unless given another: `HTTPClient.shared`'s settings, but redirects are not
    /// followed (a 3xx answer is returned as it is). It lives as long as the process, like `HTTPClient.shared`.
    package static let noRedirectClient: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// The completion event subgen sends, which users already wire into other tools.
    package struct Event: Sendable, Codable, Hashable {
        /// `transcribed` or `translated`.
        package var event: String
        /// The video.
        package var file: String
        /// The subtitle file written.
        package var subtitle: String
        /// The subtitles' language.
        package var language: String?
    }

    /// Sends the events for a finished job and refreshes the media servers; returns when every call has ended.
    package func jobFinished(_ report: JobReport, task: SubtitleTask) async {
        guard report.status == .done, !report.outputs.isEmpty else { return }
        if let webhookURL {
            for output in report.outputs {
                let event = Event(event: task == .translate ? "translated" : "transcribed", file: report.input,
                                  subtitle: output, language: report.language)
                await post(webhookURL, json: event, headers: [:], what: "completion webhook")
            }
        }
        for server in mediaServers { await refresh(server, video: report.input) }
    }

    /// Asks a media server to look at the video's folder again.
    func refresh(_ server: MediaServer, video: String) async {
        let base = server.url.hasSuffix("/") ? String(server.url.dropLast()) : server.url
        switch server.kind {
        case .jellyfin:
            struct Updates: Encodable {
                struct Update: Encodable {
                    var Path: String
                    var UpdateType: String
                }
                var Updates: [Update]
            }
            await post(base + "/Library/Media/Updated",
                       json: Updates(Updates: [.init(Path: video, UpdateType: "Modified")]),
                       headers: ["Authorization": "MediaBrowser Token=\"\(server.token)\""], what: "Jellyfin refresh")
        case .plex:
            let folder = (video as NSString).deletingLastPathComponent
            guard let section = await plexSection(base: base, token: server.token, folder: folder) else {
                logger.notice("Plex refresh skipped: no library section holds this folder", metadata: ["folder": "\(folder)"])
                return
            }
            var components = URLComponents(string: base + "/library/sections/\(section)/refresh")
            components?.queryItems = [URLQueryItem(name: "path", value: folder)]
            guard let url = components?.string else { return }
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "X-Plex-Token", value: server.token)
            await send(request, what: "Plex refresh")
        }
    }

    /// The key of the Plex library section one of whose locations holds `folder`.
    func plexSection(base: String, token: String, folder: String) async -> String? {
        var request = HTTPClientRequest(url: base + "/library/sections")
        request.headers.add(name: "X-Plex-Token", value: token)
        request.headers.add(name: "Accept", value: "application/json")
        struct Sections: Decodable {
            struct Container: Decodable {
                struct Directory: Decodable {
                    struct Location: Decodable { var path: String }
                    var key: String
                    var Location: [Location]?
                }
                var Directory: [Directory]?
            }
            var MediaContainer: Container
        }
        do {
            let response = try await httpClient.execute(request, timeout: TimeAmount(timeout))
            let body = try await response.body.collect(upTo: 1 << 20)
            let sections = try JSONDecoder().decode(Sections.self, from: Data(body.readableBytesView))
            return sections.MediaContainer.Directory?.first { directory in
                (directory.Location ?? []).contains { folder == $0.path || folder.hasPrefix($0.path + "/") }
            }?.key
        } catch {
            logger.notice("Plex library sections could not be read", metadata: ["error": "\(type(of: error))"])
            return nil
        }
    }

    private func post<Body: Encodable>(_ url: String, json: Body, headers: [String: String], what: String) async {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        guard let data = try? JSONEncoder().encode(json) else { return }
        request.body = .bytes(ByteBuffer(bytes: data))
        await send(request, what: what)
    }

    private func send(_ request: HTTPClientRequest, what: String) async {
        do {
            let response = try await httpClient.execute(request, timeout: TimeAmount(timeout))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            if (300..<400).contains(response.status.code) {
                logger.notice(
                    "\(what) failed: the server answered with a redirect, which is not followed (the token stays with the configured host); set its URL to where it redirects",
                    metadata: ["status": "\(response.status.code)"])
            } else if !(200..<300).contains(response.status.code) {
                logger.notice("\(what) failed", metadata: ["status": "\(response.status.code)"])
            }
        } catch {
            // The message of a transport error can hold the URL (and a token in a query): log its kind only.
            logger.notice("\(what) failed", metadata: ["error": "\(type(of: error))"])
        }
    }
}
