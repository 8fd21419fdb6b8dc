#ifndef SUBTITLER_CFFMPEG_SHIM_H
#define SUBTITLER_CFFMPEG_SHIM_H

#include <errno.h>
#include <string.h>
#include <libavformat/avformat.h>
#include <libavformat/avio.h>
#include <libavcodec/avcodec.h>
#include <libswresample/swresample.h>
#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/opt.h>
#include <libavutil/mem.h>
#include <libavutil/dict.h>
#include <libavutil/samplefmt.h>
#include <libavutil/audio_fifo.h>

// FFmpeg 5.1 is the first release with the AVChannelLayout API (lavu 57.24.100, lavc 59.24.100).
#if LIBAVUTIL_VERSION_INT < AV_VERSION_INT(57, 24, 100) || LIBAVCODEC_VERSION_INT < AV_VERSION_INT(59, 24, 100)
#error "subtitler needs FFmpeg 5.1 or newer (libavutil >= 57.24.100, libavcodec >= 59.24.100). On Debian 12: apt-get install libavformat-dev libavcodec-dev libswresample-dev libavutil-dev"
/// AVSEEK_SIZE / AVSEEK_FORCE as plain ints (used by MediaAudio's in-memory AVIOContext seek callback).
static const int cffmpeg_avseek_size = AVSEEK_SIZE;
static const int cffmpeg_avseek_force = AVSEEK_FORCE;

#endif

/// AVERROR(e) is a function-like macro; Swift cannot import it.
static inline int cffmpeg_averror(int e) { return AVERROR(e); }
/// AVERROR_EOF is built with FFERRTAG; Swift cannot import it.
static const int cffmpeg_averror_eof = AVERROR_EOF;
static const int cffmpeg_averror_invaliddata = AVERROR_INVALIDDATA;
static const int cffmpeg_averror_decoder_not_found = AVERROR_DECODER_NOT_FOUND;
static const int cffmpeg_averror_encoder_not_found = AVERROR_ENCODER_NOT_FOUND;
static const int cffmpeg_averror_stream_not_found = AVERROR_STREAM_NOT_FOUND;
static const int cffmpeg_averror_eagain = -EAGAIN;
/// AV_NOPTS_VALUE is a cast expression.
static const int64_t cffmpeg_nopts_value = AV_NOPTS_VALUE;
/// AV_TIME_BASE_Q is a compound literal.
static inline AVRational cffmpeg_time_base_q(void) { AVRational q = {1, AV_TIME_BASE}; return q; }
/// AV_CHANNEL_LAYOUT_MONO is a compound literal.
static inline AVChannelLayout cffmpeg_channel_layout_mono(void) { AVChannelLayout l = AV_CHANNEL_LAYOUT_MONO; return l; }

/// AVSEEK_SIZE / AVSEEK_FORCE as plain ints (used by MediaAudio's in-memory AVIOContext seek callback).
static const int cffmpeg_avseek_size = AVSEEK_SIZE;
static const int cffmpeg_avseek_force = AVSEEK_FORCE;

/// A write-only AVIOContext whose write callback takes `const uint8_t *` on every FFmpeg version: FFmpeg 7
/// (libavformat 61) made the buffer const, so Swift code written against one signature would not build with
/// the other.
typedef int (*cffmpeg_write_packet_fn)(void *opaque, const uint8_t *buf, int buf_size);
static inline AVIOContext *cffmpeg_avio_alloc_write_context(
    unsigned char *buffer, int buffer_size, void *opaque, cffmpeg_write_packet_fn write_packet,
    int64_t (*seek)(void *opaque, int64_t offset, int whence)) {
#if LIBAVFORMAT_VERSION_MAJOR >= 61
    return avio_alloc_context(buffer, buffer_size, 1, opaque, NULL, write_packet, seek);
#else
    return avio_alloc_context(buffer, buffer_size, 1, opaque, NULL, (int (*)(void *, uint8_t *, int))write_packet, seek);
#endif
}

/// Copies stream-level side data (display matrix, stereo 3D, ...) for a stream copy. From libavformat 60.15
/// (FFmpeg 6.1) it lives in AVCodecParameters.coded_side_data, which avcodec_parameters_copy already copies.
static inline int cffmpeg_copy_stream_side_data(AVStream *dst, const AVStream *src) {
#if LIBAVFORMAT_VERSION_INT < AV_VERSION_INT(60, 15, 100)
    for (int i = 0; i < src->nb_side_data; i++) {
        const AVPacketSideData *sd = &src->side_data[i];
        uint8_t *data = av_stream_new_side_data(dst, sd->type, sd->size);
        if (!data) return AVERROR(ENOMEM);
        memcpy(data, sd->data, sd->size);
    }
#else
    (void)dst;
    (void)src;
#endif
    return 0;
}

/// libavformat up to 59.30 (FFmpeg 5.1 included) writes Opus blocks to Matroska at their packet timestamps although
/// it also writes CodecDelay, which its demuxer subtracts: a stream copy has to add the delay itself, or the Opus
/// stream moves earlier by the pre-skip (6.5 ms) on every pass. Later versions add it in the muxer.
static const int cffmpeg_matroska_opus_needs_codec_delay = LIBAVFORMAT_VERSION_INT <= AV_VERSION_INT(59, 30, 100);

#endif
