package dev.imagesize.content;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagesize.analysis.BaseCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The base catalog the analysis in the cluster uses: a configured file first, the shipped catalog always. */
class ContentProducerTest {
    private static final int SHIPPED = BaseCatalog.builtIn().images().size();

    @Test
    void aConfiguredCatalogIsSearchedBeforeTheShippedOne(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("catalog.yaml");
        Files.writeString(file, """
                generated: test
                images:
                  - ref: registry.example/base/python:3.11
                    family: python
                    variant: full
                """);
        BaseCatalog catalog = ContentProducer.catalog(Optional.of(file.toString()));
        assertThat(catalog.images()).hasSize(SHIPPED + 1);
        assertThat(catalog.images().get(0).ref()).isEqualTo("registry.example/base/python:3.11");
        assertThat(catalog.find("docker.io/library/python:3.11")).isPresent();
    }

    @Test
    void noFileOrAnUnreadableOneLeavesTheShippedCatalog(@TempDir Path dir) throws Exception {
        assertThat(ContentProducer.catalog(Optional.empty()).images()).hasSize(SHIPPED);
        assertThat(ContentProducer.catalog(
                                Optional.of(dir.resolve("missing.yaml").toString()))
                        .images())
                .hasSize(SHIPPED);
        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, "images:\n  - family: no-ref\n");
        assertThat(ContentProducer.catalog(Optional.of(broken.toString())).images())
                .hasSize(SHIPPED);
        Files.writeString(broken, "images: [\n");
        assertThat(ContentProducer.catalog(Optional.of(broken.toString())).images())
                .hasSize(SHIPPED);
    }
}
