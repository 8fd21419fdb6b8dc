import TestSupport
import CFFmpeg
import Testing

/// The system-library module itself: headers import, libraries link, the shim's constants work.
@Suite struct CFFmpegSmokeTests {
    @Test func opensGeneratedMP4AndFindsOneAACStream() throws {
        let path = try Fixture.stereoMP4.get()
        av_log_set_level(AV_LOG_QUIET)
        var ctx: UnsafeMutablePointer<AVFormatContext>? = nil
        #expect(avformat_open_input(&ctx, path, nil, nil) == 0)
        defer { avformat_close_input(&ctx) }
        let opened = try #require(ctx)
        #expect(avformat_find_stream_info(opened, nil) >= 0)

        var audio: [UnsafeMutablePointer<AVStream>] = []
        for i in 0..<Int(opened.pointee.nb_streams) {
            let st = opened.pointee.streams[i]!
            if st.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_AUDIO { audio.append(st) }
        }
        #expect(audio.count == 1)
        let par = try #require(audio.first?.pointee.codecpar)
        #expect(String(cString: avcodec_get_name(par.pointee.codec_id)) == "aac")
        #expect(par.pointee.sample_rate == 48_000)
        #expect(par.pointee.ch_layout.nb_channels == 2)
        #expect(avcodec_find_decoder(par.pointee.codec_id) != nil)
    }

    @Test func shimConstantsMatchFFmpeg() {
        #expect(cffmpeg_averror(EAGAIN) == cffmpeg_averror_eagain)
        #expect(cffmpeg_averror_eof < 0)
        #expect(cffmpeg_nopts_value == Int64.min)
        #expect(cffmpeg_time_base_q().den == AV_TIME_BASE)
        var mono = cffmpeg_channel_layout_mono()
        #expect(mono.nb_channels == 1)
        var other = AVChannelLayout()
        av_channel_layout_default(&other, 1)
        #expect(av_channel_layout_compare(&mono, &other) == 0)
        #expect(cffmpeg_avseek_size == 0x10000)
    }
}
