package dev.imagesize.registry;

import dev.imagesize.Deadline;
import dev.imagesize.registry.ImageSizeResolver.Priority;
import java.util.concurrent.Executor;

/**
 * Who a registry call is for: its priority (which request slots and threads serve it), the deadline of the work it
 * belongs to (each HTTP request is bounded further by the HTTP timeout), and the executor that parses its answers.
 */
record RequestContext(Priority priority, Deadline deadline, Executor executor) {}
