import Foundation

/// Webhook payloads as the media servers send them, written from their public schemas (jellyfin-plugin-webhook's data
/// object, Plex's webhook documentation, Emby's webhooks, Tautulli's notification parameters), with the fields
/// around the ones subtitler reads, so the parsers are shown real shapes.
enum MediaServerPayloads {
    /// Jellyfin's webhook plugin, "Send All Properties", for an episode added or played.
    static func jellyfin(_ notification: String, itemType: String = "Episode", path: String?) -> String {
        let pathField = path.map { #""Path": "\#($0)","# } ?? ""
        return """
        {"ServerId": "4d2f9a7c1b8e4c51a0e1f3b2c6d7e8f9", "ServerName": "living-room", "ServerVersion": "10.9.11",
         "ServerUrl": "http://jellyfin.lan:8096", "NotificationType": "\(notification)", "Timestamp": "2026-12-07T21:14:03.1234567+01:00",
         "UtcTimestamp": "2026-12-07T20:14:03.1234567Z", "Name": "The Long Night", "Overview": "Winter arrives.",
         "ItemId": "a1b2c3d4e5f60718293a4b5c6d7e8f90", "ItemType": "\(itemType)", "RunTimeTicks": 49830000000,
         "RunTime": "01:23:03", \(pathField) "SeriesName": "Thrones", "SeriesId": "0f9e8d7c6b5a49382716a5b4c3d2e1f0",
         "SeasonNumber": 8, "SeasonNumber00": "08", "EpisodeNumber": 3, "EpisodeNumber00": "03",
         "Provider_tvdb": "7121403", "Video_0_Codec": "hevc", "Audio_0_Language": "eng", "Audio_0_Channels": 6,
         "NotificationUsername": "ann", "UserId": "5e4d3c2b1a0948576f6e5d4c3b2a1908", "DeviceName": "Firefox",
         "ClientName": "Jellyfin Web", "PlaybackPositionTicks": 0, "IsPaused": false}
        """
    }

    /// Plex's `payload` part for an event about an item (an episode by default).
    static func plex(_ event: String, type: String = "episode", ratingKey: String = "1936") -> String {
        """
        {"event": "\(event)", "user": true, "owner": true,
         "Account": {"id": 1, "thumb": "https://plex.tv/users/1022b120ffbaa/avatar?c=1465525047", "title": "ann"},
         "Server": {"title": "living-room", "uuid": "54664a3d8acc39983675640ec9ce00b70af9cc36"},
         "Player": {"local": true, "publicAddress": "200.200.200.200", "title": "Plex Web (Safari)", "uuid": "r6yfkdnfggbh2bdnvkffwbms"},
         "Metadata": {"librarySectionType": "show", "ratingKey": "\(ratingKey)", "key": "/library/metadata/\(ratingKey)",
                      "parentRatingKey": "1935", "grandparentRatingKey": "1934", "guid": "plex://episode/5d9c0874ffd9ef001e99607a",
                      "librarySectionID": 2, "type": "\(type)", "title": "The Long Night", "grandparentTitle": "Thrones",
                      "parentTitle": "Season 8", "index": 3, "parentIndex": 8, "duration": 4983000,
                      "addedAt": 1765138443, "updatedAt": 1765138450}}
        """
    }

    /// Plex's answer to `GET /library/metadata/{ratingKey}` with `Accept: application/json`.
    static func plexMetadata(file: String, ratingKey: String = "1936") -> String {
        """
        {"MediaContainer": {"size": 1, "allowSync": true, "identifier": "com.plexapp.plugins.library",
          "librarySectionID": 2, "librarySectionTitle": "TV Shows", "mediaTagPrefix": "/system/bundle/media/flags/",
          "Metadata": [{"ratingKey": "\(ratingKey)", "key": "/library/metadata/\(ratingKey)", "type": "episode",
            "title": "The Long Night", "grandparentTitle": "Thrones", "index": 3, "parentIndex": 8, "duration": 4983000,
            "Media": [{"id": 2210, "duration": 4983000, "bitrate": 5120, "width": 1920, "height": 1080,
              "container": "mkv", "videoCodec": "hevc", "audioCodec": "eac3",
              "Part": [{"id": 2266, "key": "/library/parts/2266/1765138443/file.mkv", "duration": 4983000,
                "file": "\(file)", "size": 3189422080, "container": "mkv"}]}]}]}}
        """
    }

    /// Emby's webhook JSON for an item added or played (a movie by default).
    static func emby(_ event: String, type: String = "Movie", path: String?) -> String {
        let pathField = path.map { #""Path": "\#($0)","# } ?? ""
        return """
        {"Title": "New Movie added on living-room", "Date": "2026-12-07T20:14:03.0000000Z", "Event": "\(event)",
         "Severity": "Info",
         "Item": {"Name": "Arrival", "ServerId": "e3b0c44298fc1c149afbf4c8996fb924", "Id": "751181",
                  "DateCreated": "2026-12-07T20:13:58.0000000Z", "Container": "mkv", "PremiereDate": "2016-11-10T00:00:00.0000000Z",
                  "ProductionYear": 2016, \(pathField) "FileName": "Arrival (2016).mkv", "RunTimeTicks": 69480000000,
                  "Type": "\(type)", "MediaType": "Video", "IsFolder": false,
                  "ProviderIds": {"Tmdb": "329865", "Imdb": "tt2543164"}},
         "Server": {"Name": "living-room", "Id": "e3b0c44298fc1c149afbf4c8996fb924", "Version": "4.8.10.0"}}
        """
    }

    /// The JSON data of the README's Tautulli template, as Tautulli fills it in.
    static func tautulli(action: String, file: String?, mediaType: String = "episode") -> String {
        let fileField = file.map { #", "file": "\#($0)""# } ?? ""
        return #"{"event": "\#(action)", "media_type": "\#(mediaType)", "rating_key": "1936"\#(fileField)}"#
    }

    /// A `multipart/form-data` body: each part named, text or bytes, a file part when it has a filename.
    static func multipart(boundary: String, parts: [(name: String, filename: String?, contentType: String, body: [UInt8])]) -> [UInt8] {
        var bytes: [UInt8] = []
        for part in parts {
            var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
            if let filename = part.filename { head += "; filename=\"\(filename)\"" }
            head += "\r\nContent-Type: \(part.contentType)\r\n\r\n"
            bytes += Array(head.utf8) + part.body + Array("\r\n".utf8)
        }
        return bytes + Array("--\(boundary)--\r\n".utf8)
    }
}
