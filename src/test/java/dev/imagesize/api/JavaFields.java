package dev.imagesize.api;

import java.lang.reflect.Field;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.util.List;

/** Finds the Java field behind a CRD schema path ({@code .overrides[].maxLayers}) in the classes the CRD comes from. */
final class JavaFields {
    private JavaFields() {}

    /** The Java type at {@code path} (a walk path below the root, as {@link Crds#walk} writes it) under {@code root}. */
    static Class<?> typeAt(Class<?> root, String path) {
        Type current = root;
        for (String step : path.replace("[]", ".[]").split("\\.")) {
            if (step.isEmpty()) {
                continue;
            }
            if (step.equals("[]")) {
                current = elementType(current);
            } else {
                current = field(raw(current), step).getGenericType();
            }
        }
        return raw(current);
    }

    /** The largest value a field of this Java type holds. */
    static BigDecimal largestValueOf(Class<?> type) {
        if (type == Integer.class || type == int.class) {
            return BigDecimal.valueOf(Integer.MAX_VALUE);
        }
        if (type == Long.class || type == long.class) {
            return BigDecimal.valueOf(Long.MAX_VALUE);
        }
        throw new AssertionError("an integer in the CRD is a " + type + " in Java: add its range here");
    }

    private static Field field(Class<?> type, String name) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                return c.getDeclaredField(name);
            } catch (NoSuchFieldException e) {
                // declared higher up
            }
        }
        throw new AssertionError("no field " + name + " in " + type.getName() + " or its superclasses");
    }

    private static Type elementType(Type listType) {
        if (listType instanceof ParameterizedType parameterized && List.class.equals(parameterized.getRawType())) {
            return parameterized.getActualTypeArguments()[0];
        }
        throw new AssertionError(listType + " is not a List");
    }

    private static Class<?> raw(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType parameterized) {
            return (Class<?>) parameterized.getRawType();
        }
        if (type instanceof java.lang.reflect.AnnotatedType annotated) {
            return raw(annotated.getType());
        }
        throw new AssertionError("cannot read the Java type " + type);
    }
}
