/// The service's API as an OpenAPI 3.0 document, served at `/openapi.json` and checked against the running server
/// in CI (schemathesis).
enum OpenAPIDocument {
    static let json = #"""
    {
      "openapi": "3.0.3",
      "info": {
        "title": "subtitler service",
        "version": "1",
        "description": "Subtitles for media libraries: Bazarr's Whisper provider API, a jobs API, Sonarr/Radarr hooks. The jobs API and hooks need a bearer token when the service has one."
      },
      "components": {
        "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
        "schemas": {
          "Error": {
            "type": "object", "required": ["error"],
            "properties": { "error": { "type": "string" } }
          },
          "Naming": {
            "type": "object", "additionalProperties": false,
            "properties": {
              "languageCodes": { "type": "string", "enum": ["639-1", "639-2b", "639-2t"] },
              "sdh": { "type": "boolean" },
              "forced": { "type": "boolean" },
              "default": { "type": "boolean" },
              "label": { "type": "string", "maxLength": 40 }
            }
          },
          "JobRequest": {
            "type": "object", "required": ["path"], "additionalProperties": false,
            "properties": {
              "path": { "type": "string", "minLength": 1, "description": "The media file, as the caller sees it (path mapping applies); must be under a root." },
              "task": { "type": "string", "enum": ["transcribe", "translate"] },
              "language": { "type": "string", "description": "ISO 639-1 code of the speech; detected when absent." },
              "formats": { "type": "array", "minItems": 1, "items": { "type": "string", "enum": ["srt", "vtt"] } },
              "naming": { "$ref": "#/components/schemas/Naming" },
              "embed": { "type": "boolean", "description": "Also mux the subtitles into the media file." },
              "dub": { "$ref": "#/components/schemas/Dub" }
            }
          },
          "Dub": {
            "type": "object", "additionalProperties": false,
            "description": "Add an English dub track (eng, 'English (dub)') to the media file once the subtitles are written.",
            "properties": {
              "voice": { "type": "string", "minLength": 1 },
              "model": { "type": "string", "minLength": 1 },
              "instructions": { "type": "string", "maxLength": 4096 },
              "duck": { "type": "number", "minimum": 0, "maximum": 60, "description": "Mix over the original lowered by this many dB." },
              "default": { "type": "boolean" }
            }
          },
          "Progress": {
            "type": "object",
            "properties": {
              "chunksDone": { "type": "integer" }, "chunks": { "type": "integer" },
              "audioDoneMs": { "type": "integer" }, "audioMs": { "type": "integer", "nullable": true }
            }
          },
          "SkipReason": {
            "type": "object", "required": ["kind", "message"],
            "properties": {
              "kind": { "type": "string", "enum": ["up-to-date", "already-subtitled", "excluded-by-marker", "newer-output-exists"] },
              "message": { "type": "string" }, "path": { "type": "string" }
            }
          },
          "Job": {
            "type": "object", "required": ["id", "state", "request", "origin", "createdAt", "updatedAt", "outputs"],
            "properties": {
              "id": { "type": "string" },
              "state": { "type": "string", "enum": ["queued", "running", "done", "failed", "cancelled"] },
              "request": { "$ref": "#/components/schemas/JobRequest" },
              "origin": { "type": "string" },
              "createdAt": { "type": "string", "format": "date-time" },
              "updatedAt": { "type": "string", "format": "date-time" },
              "progress": { "$ref": "#/components/schemas/Progress" },
              "outputs": { "type": "array", "items": { "type": "string" } },
              "skipReason": { "$ref": "#/components/schemas/SkipReason" },
              "error": { "type": "string" },
              "report": { "type": "object" }
            }
          },
          "ArrPayload": {
            "type": "object", "required": ["eventType"],
            "description": "Sonarr's and Radarr's webhook payloads; other fields are ignored, and fields the programs send as null are accepted.",
            "properties": {
              "eventType": { "type": "string" },
              "series": { "type": "object", "nullable": true, "properties": { "path": { "type": "string", "nullable": true } } },
              "episodeFile": { "type": "object", "nullable": true, "properties": { "path": { "type": "string", "nullable": true }, "relativePath": { "type": "string", "nullable": true } } },
              "movie": { "type": "object", "nullable": true, "properties": { "folderPath": { "type": "string", "nullable": true }, "path": { "type": "string", "nullable": true } } },
              "movieFile": { "type": "object", "nullable": true, "properties": { "path": { "type": "string", "nullable": true }, "relativePath": { "type": "string", "nullable": true } } }
            }
          },
          "HookAnswer": { "type": "object", "properties": { "status": { "type": "string" } } }
        },
        "responses": {
          "BadRequest": { "description": "Bad request", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "Unauthorized": { "description": "No or wrong bearer token", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "Forbidden": { "description": "Outside the roots", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "NotFound": { "description": "No such job or file", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
        }
      },
      "security": [ { "bearer": [] } ],
      "paths": {
        "/v1/jobs": {
          "post": {
            "summary": "Queue a job for a media file under a root",
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/JobRequest" } } } },
            "responses": {
              "201": { "description": "Queued", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Job" } } } },
              "200": { "description": "An equal job is already queued or running", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Job" } } } },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "403": { "$ref": "#/components/responses/Forbidden" },
              "404": { "$ref": "#/components/responses/NotFound" }
            }
          },
          "get": {
            "summary": "List jobs",
            "parameters": [
              { "name": "state", "in": "query", "schema": { "type": "string", "enum": ["queued", "running", "done", "failed", "cancelled"] } },
              { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 1000 } }
            ],
            "responses": {
              "200": { "description": "Jobs, oldest first", "content": { "application/json": { "schema": { "type": "array", "items": { "$ref": "#/components/schemas/Job" } } } } },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" }
            }
          }
        },
        "/v1/jobs/{id}": {
          "parameters": [ { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } } ],
          "get": {
            "summary": "A job: state, progress, outputs, skip reason, error",
            "responses": {
              "200": { "description": "The job", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Job" } } } },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "404": { "$ref": "#/components/responses/NotFound" }
            }
          },
          "delete": {
            "summary": "Cancel a job",
            "responses": {
              "200": { "description": "Cancelled (or cancellation requested for a running job)", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Job" } } } },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "404": { "$ref": "#/components/responses/NotFound" },
              "409": { "description": "The job has already ended", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
            }
          }
        },
        "/v1/jobs/{id}/review": {
          "parameters": [ { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } } ],
          "get": {
            "summary": "The review page of a finished job",
            "responses": {
              "200": { "description": "A self-contained HTML page", "content": { "text/html": { "schema": { "type": "string" } } } },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "404": { "$ref": "#/components/responses/NotFound" }
            }
          }
        },
        "/v1/jobs/{id}/media": {
          "parameters": [ { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } } ],
          "get": {
            "summary": "The job's media file (byte ranges supported)",
            "responses": {
              "200": { "description": "The file", "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
              "206": { "description": "A byte range of the file", "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "404": { "$ref": "#/components/responses/NotFound" }
            }
          }
        },
        "/v1/hooks/sonarr": {
          "post": {
            "summary": "Sonarr's Webhook connection: Test answers 200, Download queues the imported file",
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ArrPayload" } } } },
            "responses": {
              "200": { "description": "Test acknowledged, event ignored, or an equal job already queued", "content": { "application/json": { "schema": { "type": "object" } } } },
              "201": { "description": "Queued", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Job" } } } },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "403": { "$ref": "#/components/responses/Forbidden" },
              "404": { "$ref": "#/components/responses/NotFound" }
            }
          }
        },
        "/v1/hooks/radarr": {
          "post": {
            "summary": "Radarr's Webhook connection: Test answers 200, Download queues the imported file",
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ArrPayload" } } } },
            "responses": {
              "200": { "description": "Test acknowledged, event ignored, or an equal job already queued", "content": { "application/json": { "schema": { "type": "object" } } } },
              "201": { "description": "Queued", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Job" } } } },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "403": { "$ref": "#/components/responses/Forbidden" },
              "404": { "$ref": "#/components/responses/NotFound" }
            }
          }
        },
        "/healthz": {
          "get": {
            "summary": "Liveness", "security": [],
            "responses": { "200": { "description": "Running", "content": { "application/json": { "schema": { "type": "object", "properties": { "status": { "type": "string" } } } } } } }
          }
        },
        "/metrics": {
          "get": {
            "summary": "Prometheus metrics",
            "responses": {
              "200": { "description": "Prometheus text format", "content": { "text/plain": { "schema": { "type": "string" } } } },
              "401": { "$ref": "#/components/responses/Unauthorized" }
            }
          }
        },
        "/status": {
          "get": {
            "summary": "Bazarr's test button (loopback and --allow clients only)", "security": [],
            "responses": {
              "200": { "description": "The version", "content": { "application/json": { "schema": { "type": "object", "required": ["version"], "properties": { "version": { "type": "string" } } } } } },
              "403": { "$ref": "#/components/responses/Forbidden" }
            }
          }
        },
        "/asr": {
          "post": {
            "summary": "Bazarr: subtitles for an uploaded audio file (or the video_file itself)", "security": [],
            "parameters": [
              { "name": "task", "in": "query", "schema": { "type": "string", "enum": ["transcribe", "translate"] } },
              { "name": "language", "in": "query", "schema": { "type": "string" } },
              { "name": "output", "in": "query", "schema": { "type": "string", "enum": ["srt", "vtt", "txt", "json"] } },
              { "name": "encode", "in": "query", "schema": { "type": "boolean" } },
              { "name": "video_file", "in": "query", "schema": { "type": "string" } },
              { "name": "initial_prompt", "in": "query", "schema": { "type": "string" } }
            ],
            "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": { "type": "object", "properties": { "audio_file": { "type": "string", "format": "binary" } } } } } },
            "responses": {
              "200": { "description": "The subtitles", "content": { "text/plain": { "schema": { "type": "string" } }, "application/json": { "schema": { "type": "object" } } } },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "403": { "$ref": "#/components/responses/Forbidden" },
              "413": { "description": "Upload over the limit", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
              "415": { "description": "Not multipart/form-data", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
              "500": { "description": "No subtitles could be made", "content": { "text/plain": { "schema": { "type": "string" } } } }
            }
          }
        },
        "/detect-language": {
          "post": {
            "summary": "Bazarr: the spoken language of an uploaded audio file (or the video_file)", "security": [],
            "parameters": [
              { "name": "encode", "in": "query", "schema": { "type": "boolean" } },
              { "name": "video_file", "in": "query", "schema": { "type": "string" } }
            ],
            "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": { "type": "object", "properties": { "audio_file": { "type": "string", "format": "binary" } } } } } },
            "responses": {
              "200": { "description": "The language", "content": { "application/json": { "schema": { "type": "object", "properties": { "detected_language": { "type": "string" }, "language_code": { "type": "string" } } } } } },
              "403": { "$ref": "#/components/responses/Forbidden" },
              "413": { "description": "Upload over the limit", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
              "415": { "description": "Not multipart/form-data", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
              "500": { "description": "Detection failed", "content": { "application/json": { "schema": { "type": "object" } } } }
            }
          }
        }
      }
    }
    """#
}
