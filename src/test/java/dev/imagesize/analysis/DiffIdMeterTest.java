package dev.imagesize.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.Deadline;
import dev.imagesize.testing.TestLayers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The uncompressed stream read in chunks: whatever the read sizes, skips and peeks, and however little the
 * decompressor returns at a time, the reader sees the stream's bytes in order and the diffID covers every byte once.
 */
class DiffIdMeterTest {
    private static final int CHUNK = 256 * 1024;

    @Test
    void everyByteIsReadInOrderAndHashedOnceAcrossChunkBoundaries() throws IOException {
        Random random = new Random(7);
        for (int length : new int[] {0, 1, 511, 512, CHUNK - 1, CHUNK, CHUNK + 1, 7 * CHUNK + 123}) {
            byte[] data = TestLayers.content(length, length);
            for (boolean trickle : new boolean[] {false, true}) {
                DiffIdMeter meter = meter(data, trickle);
                byte[] peeked = meter.peek(512);
                assertThat(peeked).isEqualTo(Arrays.copyOf(data, Math.min(512, length)));
                ByteArrayOutputStream seen = new ByteArrayOutputStream();
                byte[] buffer = new byte[2 * CHUNK];
                int position = 0;
                while (true) {
                    int choice = random.nextInt(4);
                    if (choice == 0) {
                        int b = meter.read();
                        if (b < 0) {
                            break;
                        }
                        seen.write(b);
                        position++;
                    } else if (choice == 1) {
                        long skipped = meter.skip(1 + random.nextInt(3 * CHUNK / 2));
                        seen.write(data, position, (int) skipped); // skipped bytes: taken from the source to compare
                        position += (int) skipped;
                        if (skipped == 0 && position == length) {
                            break;
                        }
                    } else {
                        int n = meter.read(buffer, 0, 1 + random.nextInt(buffer.length));
                        if (n < 0) {
                            break;
                        }
                        seen.write(buffer, 0, n);
                        position += n;
                    }
                }
                meter.drain();
                assertThat(seen.toByteArray())
                        .as("length %d, trickle %s", length, trickle)
                        .isEqualTo(data);
                assertThat(meter.count()).isEqualTo(length);
                assertThat(meter.diffId()).isEqualTo(TestLayers.sha256(data));
                meter.close();
            }
        }
    }

    @Test
    void drainHashesWhatTheReaderLeft() throws IOException {
        byte[] data = TestLayers.content(3 * CHUNK + 5, 3);
        DiffIdMeter meter = meter(data, false);
        assertThat(meter.read(new byte[100], 0, 100)).isEqualTo(100);
        meter.drain();
        assertThat(meter.count()).isEqualTo(data.length);
        assertThat(meter.diffId()).isEqualTo(TestLayers.sha256(data));
    }

    @Test
    void theUncompressedLimitStopsTheStreamWhileItIsRead() {
        byte[] data = TestLayers.content(2 * CHUNK, 4);
        AnalysisLimits limits = AnalysisLimits.defaults().toBuilder()
                .maxUncompressedBytes(CHUNK + 10)
                .build();
        DiffIdMeter meter = new DiffIdMeter(new ByteArrayInputStream(data), compressed(data), limits);
        org.assertj.core.api.Assertions.assertThatThrownBy(meter::drain)
                .isInstanceOf(LayerProblem.class)
                .hasMessageContaining("uncompressed limit");
        meter.close();
    }

    private static DiffIdMeter meter(byte[] data, boolean trickle) {
        InputStream source = new ByteArrayInputStream(data);
        if (trickle) {
            source =
                    new FilterInputStream(source) { // a decompressor that returns a few bytes at a time
                        @Override
                        public int read(byte[] b, int off, int len) throws IOException {
                            return super.read(b, off, Math.min(len, 1 + (off % 7)));
                        }
                    };
        }
        return new DiffIdMeter(source, compressed(data), AnalysisLimits.defaults());
    }

    private static CompressedMeter compressed(byte[] data) {
        CompressedMeter meter = new CompressedMeter(
                new ByteArrayInputStream(data), Long.MAX_VALUE, Deadline.in(Duration.ofMinutes(1)), total -> {});
        return meter;
    }
}
