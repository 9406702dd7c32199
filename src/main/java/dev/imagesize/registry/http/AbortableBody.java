package dev.imagesize.registry.http;

import java.io.IOException;

/** A body subscriber that can be stopped from outside (the deadline timer): it fails and cancels its subscription. */
interface AbortableBody {
    void abort(IOException why);
}
