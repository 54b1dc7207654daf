/**
 * Types of the it360acad API, from openapi.json by `npm run client:generate` (openapi-typescript).
 * Do not edit: change the routes, run `npm run openapi`, then `npm run client:generate`.
 */

export interface paths {
    "/api/v1/auth/register": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Create a student account */
        post: operations["register"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Log in with email and password */
        post: operations["login"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/refresh": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Exchange a refresh token for new tokens (rotates; a reused token revokes its family) */
        post: operations["refreshTokens"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * End a session: the one a refresh token belongs to, or with no body the bearer token's own
         * @description With `{ refreshToken }`: ends that token's session (an unknown token is not an error). With no body and `Authorization: Bearer`: ends the bearer's session. Either way the session's refresh tokens and access tokens stop working, in every process within the change feed's bound.
         */
        post: operations["logout"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller */
        get: operations["getMe"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Change the password (the current one required); every earlier session ends, the new tokens are a new session
         * @description Every session of the account ends, the caller's included (refresh and access tokens, in every process within the change feed's bound); a notice is mailed. A wrong `currentPassword` is 403.
         */
        post: operations["changePassword"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/password/forgot": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Mail a password-reset link; the answer is the same whether or not the address has an account
         * @description Always 202 `{}`. An active account with this address is mailed a single-use link valid PASSWORD_RESET_TTL_S.
         */
        post: operations["forgotPassword"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/password/reset": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Set a new password with a mailed reset token; every session ends
         * @description Proves the address (marks the email verified). `invalid_token` (400) when the token is unknown, used or expired.
         */
        post: operations["resetPassword"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/verify-email": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Verify the email address with a mailed token
         * @description `invalid_token` (400) when the token is unknown, used or expired.
         */
        post: operations["verifyEmail"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/verify-email/resend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Mail a fresh verification link to the caller's address
         * @description Always 202 `{}`; an address already verified is sent nothing.
         */
        post: operations["resendVerification"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List users (admin); served through the cache */
        get: operations["listUsers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A user (admin or self) */
        get: operations["getUser"];
        put?: never;
        post?: never;
        /** Deactivate a user (admin) */
        delete: operations["deactivateUser"];
        options?: never;
        head?: never;
        /**
         * Update a user (self: names; admin: also role and isActive)
         * @description Making an account instructor or admin needs its email verified first (403 email_unverified).
         */
        patch: operations["updateUser"];
        trace?: never;
    };
    "/api/v1/courses": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Published courses (public, cached) */
        get: operations["listCourses"];
        put?: never;
        /** Create a course (instructor or admin) */
        post: operations["createCourse"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/courses/{idOrSlug}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A course by id or slug (public if published; its instructor and admins see drafts) */
        get: operations["getCourse"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Update a course by id or slug (its instructor or admin) */
        patch: operations["updateCourse"];
        trace?: never;
    };
    "/api/v1/payments/initialize": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start paying for a course (the price comes from the course); free courses enroll at once */
        post: operations["initializePayment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/payments/verify/{reference}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A payment, verified with Paystack when it can answer in time (owner or admin) */
        get: operations["verifyPayment"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/payments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Payments (own; admins see all) */
        get: operations["listPayments"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/payments/{reference}/refund": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Refund a payment, all of it by default (admin) */
        post: operations["refundPayment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/payments/webhook": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Paystack webhook (x-paystack-signature: HMAC-SHA512 of the raw body) */
        post: operations["receivePaystackWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/enrollments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's active enrollments */
        get: operations["listMyEnrollments"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/courses/{idOrSlug}/lessons": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A course's outline in order, without bodies (public for a published course; cached) */
        get: operations["getCourseOutline"];
        put?: never;
        /** Add a lesson at the end (the course instructor or an admin) */
        post: operations["createLesson"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/courses/{idOrSlug}/lessons/order": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Put a course's lessons in a new order: every lesson id exactly once (the course instructor or an admin) */
        put: operations["reorderLessons"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/courses/{idOrSlug}/progress": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's progress in a course (enrolled students) */
        get: operations["getCourseProgress"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/courses/{idOrSlug}/enrollments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A course's students with their progress, and how many enrolled and completed (the course instructor or an admin) */
        get: operations["listCourseStudents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/lessons/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A lesson with its body (enrolled students, the instructor, admins; anyone for a preview of a published course) */
        get: operations["getLesson"];
        put?: never;
        post?: never;
        /** Delete a lesson (the course instructor or an admin) */
        delete: operations["deleteLesson"];
        options?: never;
        head?: never;
        /** Edit a lesson (the course instructor or an admin) */
        patch: operations["updateLesson"];
        trace?: never;
    };
    "/api/v1/lessons/{id}/progress": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Mark a lesson complete or not (enrolled students) */
        put: operations["setLessonProgress"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/certificates/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Verify a certificate (public): who, which course, when, and whether it was revoked */
        get: operations["getCertificate"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness (no dependency calls) */
        get: operations["getLiveness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: 503 only when the database is unusable */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics, summed across the workers (Bearer OPS_TOKEN when set; see docs/metrics.md) */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ops/data": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** What the /ops dashboard shows: dependency states, latencies and errors over the last minutes, timed-out and slowest requests, workers (Bearer OPS_TOKEN when set) */
        get: operations["getOpsData"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/dev/mailbox.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The built-in mailbox (no SMTP_URL; never in production): the newest 500 messages, newest first */
        get: operations["listDevMailbox"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description An RFC 9457 problem, sent as application/problem+json */
        Problem: {
            /** @description a URL naming the kind of problem; its last segment is `code` */
            type: string;
            title: string;
            /** @description the HTTP status, repeated */
            status: number;
            /** @description what went wrong, for a person */
            detail: string;
            /** @description stable machine-readable code (validation_failed, unauthorized, rate_limited, ...) */
            code: string;
            /** @description the x-request-id of this request, for support and the logs */
            requestId: string;
            /** @description the W3C trace id of this request, when the service exports traces (OpenTelemetry) */
            traceId?: string;
            /** @description the fields at fault (400 only) */
            errors?: {
                path: string;
                message: string;
            }[];
        };
        /**
         * @example {
         *       "id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
         *       "email": "ada@example.com",
         *       "firstName": "Ada",
         *       "lastName": "Obi",
         *       "role": "student",
         *       "isActive": true,
         *       "emailVerifiedAt": null,
         *       "createdAt": "2026-01-15T09:30:00.000Z",
         *       "updatedAt": "2026-01-15T09:30:00.000Z"
         *     }
         */
        User: {
            /** Format: uuid */
            id: string;
            email: string;
            firstName: string;
            lastName: string;
            role: "student" | "instructor" | "admin";
            isActive: boolean;
            /**
             * Format: date-time
             * @description When the address was proven to be the account's; null until then
             */
            emailVerifiedAt: string | null;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        /**
         * @example {
         *       "id": "3f0b6c1e-2d4a-4e8b-9c7d-1a2b3c4d5e6f",
         *       "slug": "intro-to-networking",
         *       "title": "Intro to Networking",
         *       "description": "TCP/IP from the ground up.",
         *       "price": 2500000,
         *       "currency": "NGN",
         *       "isPublished": true,
         *       "instructorId": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
         *       "createdAt": "2026-01-15T09:30:00.000Z",
         *       "updatedAt": "2026-01-15T09:30:00.000Z"
         *     }
         */
        Course: {
            /** Format: uuid */
            id: string;
            slug: string;
            title: string;
            description: string;
            /** @description minor units (kobo for NGN) */
            price: number;
            currency: string;
            isPublished: boolean;
            /** Format: uuid */
            instructorId: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        /**
         * @example {
         *       "reference": "it360-4f3a9c2b7e1d0a5b6c7d8e9f",
         *       "status": "success",
         *       "amount": 2500000,
         *       "currency": "NGN",
         *       "courseId": "3f0b6c1e-2d4a-4e8b-9c7d-1a2b3c4d5e6f",
         *       "userId": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
         *       "paidAt": "2026-01-15T09:41:12.000Z",
         *       "createdAt": "2026-01-15T09:40:00.000Z",
         *       "updatedAt": "2026-01-15T09:41:12.000Z"
         *     }
         */
        Payment: {
            reference: string;
            status: "pending" | "success" | "failed" | "abandoned" | "expired" | "flagged" | "refund_pending" | "refunded";
            /** @description minor units */
            amount: number;
            currency: string;
            /** Format: uuid */
            courseId: string;
            /** Format: uuid */
            userId: string;
            /** Format: date-time */
            paidAt: string | null;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        LessonSummary: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            courseId: string;
            position: number;
            title: string;
            kind: "text" | "video";
            /** @description estimated seconds */
            durationS: number;
            /** @description readable by anyone while the course is published */
            isPreview: boolean;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        Lesson: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            courseId: string;
            position: number;
            title: string;
            kind: "text" | "video";
            /** @description estimated seconds */
            durationS: number;
            /** @description readable by anyone while the course is published */
            isPreview: boolean;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            /** @description text lessons: the Markdown as written */
            bodyMarkdown?: string;
            /** @description text lessons: the Markdown rendered to sanitised HTML */
            bodyHtml?: string;
            /** @description video lessons: an https URL on LESSON_VIDEO_HOSTS */
            videoUrl?: string;
        };
        Progress: {
            /** Format: uuid */
            courseId: string;
            completedLessons: number;
            totalLessons: number;
            percent: number;
            /** Format: date-time */
            completedAt: string | null;
            certificateId: string | null;
        };
        Certificate: {
            id: string;
            studentName: string;
            courseTitle: string;
            /** Format: date-time */
            issuedAt: string;
            revoked: boolean;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    register: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "email": "ada@example.com",
                 *       "password": "correct horse battery",
                 *       "firstName": "Ada",
                 *       "lastName": "Obi"
                 *     }
                 */
                "application/json": {
                    /** Format: email */
                    email: string;
                    password: string;
                    firstName: string;
                    lastName: string;
                };
            };
        };
        responses: {
            /** @description The account, created and signed in */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        user: components["schemas"]["User"];
                        /** @description a JWT for `Authorization: Bearer`, valid for minutes */
                        accessToken: string;
                        /** @description for /auth/refresh; single use */
                        refreshToken: string;
                    };
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The email is already registered */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request body is over the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this caller; Retry-After says when to try again */
            429: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    login: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "email": "ada@example.com",
                 *       "password": "correct horse battery"
                 *     }
                 */
                "application/json": {
                    email: string;
                    password: string;
                };
            };
        };
        responses: {
            /** @description Signed in */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        user: components["schemas"]["User"];
                        /** @description a JWT for `Authorization: Bearer`, valid for minutes */
                        accessToken: string;
                        /** @description for /auth/refresh; single use */
                        refreshToken: string;
                    };
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Wrong email or password, or a deactivated account */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request body is over the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this caller; Retry-After says when to try again */
            429: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    refreshTokens: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    refreshToken: string;
                };
            };
        };
        responses: {
            /** @description New tokens; the refresh token sent is spent */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        accessToken: string;
                        refreshToken: string;
                    };
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request body is over the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    logout: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    refreshToken?: string;
                };
            };
        };
        responses: {
            /** @description The session has ended */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request body is over the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getMe: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The signed-in user */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["User"];
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found, or not visible to this caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    changePassword: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    currentPassword: string;
                    newPassword: string;
                };
            };
        };
        responses: {
            /** @description Password changed; the new tokens */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        accessToken: string;
                        refreshToken: string;
                    };
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Signed in, but not allowed to do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request body is over the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this caller; Retry-After says when to try again */
            429: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    forgotPassword: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: email */
                    email: string;
                };
            };
        };
        responses: {
            /** @description Accepted: a link is mailed if the address has an account */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request body is over the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this caller; Retry-After says when to try again */
            429: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    resetPassword: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description The token from the mailed link */
                    token: string;
                    newPassword: string;
                };
            };
        };
        responses: {
            /** @description Password set; every session has ended */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request body is over the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this caller; Retry-After says when to try again */
            429: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    verifyEmail: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description The token from the mailed link */
                    token: string;
                };
            };
        };
        responses: {
            /** @description The address is verified */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request body is over the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this caller; Retry-After says when to try again */
            429: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    resendVerification: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Accepted: a fresh link is mailed */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request body is over the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this caller; Retry-After says when to try again */
            429: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listUsers: {
        parameters: {
            query?: {
                page?: number;
                pageSize?: number;
                role?: "student" | "instructor" | "admin";
                isActive?: boolean;
                /** @description true: verified addresses only; false: unverified only */
                emailVerified?: boolean;
                search?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of users */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["User"][];
                        page: number;
                        pageSize: number;
                        total: number;
                    };
                };
            };
            /** @description Not modified: If-None-Match named the current ETag (no body) */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Signed in, but not allowed to do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getUser: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The user */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["User"];
                };
            };
            /** @description Not modified: If-None-Match named the current ETag (no body) */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found, or not visible to this caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deactivateUser: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deactivated: the account can no longer log in */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Signed in, but not allowed to do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found, or not visible to this caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    updateUser: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    firstName?: string;
                    lastName?: string;
                    role?: "student" | "instructor" | "admin";
                    isActive?: boolean;
                };
            };
        };
        responses: {
            /** @description The user, updated */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["User"];
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Signed in, but not allowed to do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found, or not visible to this caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request body is over the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listCourses: {
        parameters: {
            query?: {
                page?: number;
                pageSize?: number;
                search?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of published courses, newest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Course"][];
                        page: number;
                        pageSize: number;
                        total: number;
                    };
                };
            };
            /** @description Not modified: If-None-Match named the current ETag (no body) */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createCourse: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "title": "Intro to Networking",
                 *       "description": "TCP/IP from the ground up.",
                 *       "price": 2500000,
                 *       "isPublished": true
                 *     }
                 */
                "application/json": {
                    title: string;
                    slug?: string;
                    description: string;
                    /** @description minor units (kobo for NGN) */
                    price: number;
                    /** @description ISO 4217 code */
                    currency?: string;
                    isPublished?: boolean;
                };
            };
        };
        responses: {
            /** @description The course, created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Course"];
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Signed in, but not allowed to do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The slug is used by another course */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request body is over the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getCourse: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the course's id (a UUID) or its slug */
                idOrSlug: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The course */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Course"];
                };
            };
            /** @description Not modified: If-None-Match named the current ETag (no body) */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found, or not visible to this caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    updateCourse: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the course's id (a UUID) or its slug */
                idOrSlug: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "price": 2000000,
                 *       "isPublished": true
                 *     }
                 */
                "application/json": {
                    title?: string;
                    slug?: string;
                    description?: string;
                    /** @description minor units (kobo for NGN) */
                    price?: number;
                    /** @description ISO 4217 code */
                    currency?: string;
                    isPublished?: boolean;
                };
            };
        };
        responses: {
            /** @description The course, updated */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Course"];
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Signed in, but not allowed to do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found, or not visible to this caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The slug is used by another course */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request body is over the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    initializePayment: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "courseId": "3f0b6c1e-2d4a-4e8b-9c7d-1a2b3c4d5e6f"
                 *     }
                 */
                "application/json": {
                    /** Format: uuid */
                    courseId: string;
                    callbackUrl?: string;
                };
            };
        };
        responses: {
            /** @description The payment started: open authorizationUrl to pay (a free course: status success, enrolled, no URL) */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "reference": "it360-4f3a9c2b7e1d0a5b6c7d8e9f",
                     *       "status": "pending",
                     *       "amount": 2500000,
                     *       "currency": "NGN",
                     *       "courseId": "3f0b6c1e-2d4a-4e8b-9c7d-1a2b3c4d5e6f",
                     *       "authorizationUrl": "https://checkout.paystack.com/0peioxfhpn",
                     *       "accessCode": "0peioxfhpn"
                     *     }
                     */
                    "application/json": {
                        reference: string;
                        status: "pending" | "success" | "failed" | "abandoned" | "expired" | "flagged" | "refund_pending" | "refunded";
                        amount: number;
                        currency: string;
                        courseId: string;
                        authorizationUrl: string | null;
                        accessCode: string | null;
                    };
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found, or not visible to this caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Already enrolled, or a payment for this course is in progress (Retry-After) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request body is over the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this caller; Retry-After says when to try again */
            429: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    verifyPayment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                reference: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The payment, with its status as Paystack last reported it */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Payment"];
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found, or not visible to this caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listPayments: {
        parameters: {
            query?: {
                page?: number;
                pageSize?: number;
                status?: "pending" | "success" | "failed" | "abandoned" | "expired" | "flagged" | "refund_pending" | "refunded";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of payments, newest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Payment"][];
                        page: number;
                        pageSize: number;
                        total: number;
                    };
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    refundPayment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                reference: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    amount?: number;
                };
            };
        };
        responses: {
            /** @description The refund is on its way (status refund_pending) */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Payment"];
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Signed in, but not allowed to do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found, or not visible to this caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The payment cannot be refunded (not paid, or already refunded) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request body is over the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    receivePaystackWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Received (processed after the answer) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        received: boolean;
                    };
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The signature is missing or wrong */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request body is over the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listMyEnrollments: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The caller's enrollments, each with its course and progress */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /**
                             * @example {
                             *       "id": "3f0b6c1e-2d4a-4e8b-9c7d-1a2b3c4d5e6f",
                             *       "slug": "intro-to-networking",
                             *       "title": "Intro to Networking",
                             *       "description": "TCP/IP from the ground up.",
                             *       "price": 2500000,
                             *       "currency": "NGN",
                             *       "isPublished": true,
                             *       "instructorId": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
                             *       "createdAt": "2026-01-15T09:30:00.000Z",
                             *       "updatedAt": "2026-01-15T09:30:00.000Z"
                             *     }
                             */
                            course: {
                                /** Format: uuid */
                                id: string;
                                slug: string;
                                title: string;
                                description: string;
                                /** @description minor units (kobo for NGN) */
                                price: number;
                                currency: string;
                                isPublished: boolean;
                                /** Format: uuid */
                                instructorId: string;
                                /** Format: date-time */
                                createdAt: string;
                                /** Format: date-time */
                                updatedAt: string;
                            };
                            /** Format: date-time */
                            enrolledAt: string;
                            paymentReference: string | null;
                            progress: {
                                /** Format: uuid */
                                courseId: string;
                                completedLessons: number;
                                totalLessons: number;
                                percent: number;
                                /** Format: date-time */
                                completedAt: string | null;
                                certificateId: string | null;
                            };
                        }[];
                    };
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getCourseOutline: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the course's id (a UUID) or its slug */
                idOrSlug: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The outline: lessons in order, without bodies */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["LessonSummary"][];
                    };
                };
            };
            /** @description Not modified: If-None-Match named the current ETag (no body) */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found, or not visible to this caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createLesson: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the course's id (a UUID) or its slug */
                idOrSlug: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    title: string;
                    kind: "text" | "video";
                    bodyMarkdown?: string;
                    videoUrl?: string;
                    /** @description estimated seconds, at most a day */
                    durationS: number;
                    isPreview?: boolean;
                };
            };
        };
        responses: {
            /** @description The lesson, added at the end */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Lesson"];
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Signed in, but not allowed to do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found, or not visible to this caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request body is over the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    reorderLessons: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the course's id (a UUID) or its slug */
                idOrSlug: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    lessonIds: string[];
                };
            };
        };
        responses: {
            /** @description The outline in its new order */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["LessonSummary"][];
                    };
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Signed in, but not allowed to do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found, or not visible to this caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request body is over the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getCourseProgress: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the course's id (a UUID) or its slug */
                idOrSlug: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The caller's progress in the course */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Progress"];
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Signed in, but not allowed to do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found, or not visible to this caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listCourseStudents: {
        parameters: {
            query?: {
                page?: number;
                pageSize?: number;
            };
            header?: never;
            path: {
                /** @description the course's id (a UUID) or its slug */
                idOrSlug: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of students with their progress */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            user: {
                                /** Format: uuid */
                                id: string;
                                firstName: string;
                                lastName: string;
                                email: string;
                            };
                            /** Format: date-time */
                            enrolledAt: string;
                            progress: {
                                /** Format: uuid */
                                courseId: string;
                                completedLessons: number;
                                totalLessons: number;
                                percent: number;
                                /** Format: date-time */
                                completedAt: string | null;
                                certificateId: string | null;
                            };
                        }[];
                        page: number;
                        pageSize: number;
                        /** @description students enrolled now */
                        total: number;
                        /** @description of them, those who completed every lesson the course has now */
                        completed: number;
                    };
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Signed in, but not allowed to do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found, or not visible to this caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getLesson: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The lesson with its body */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Lesson"];
                };
            };
            /** @description Not modified: If-None-Match named the current ETag (no body) */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Signed in, but not allowed to do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found, or not visible to this caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteLesson: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Signed in, but not allowed to do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found, or not visible to this caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    updateLesson: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    title?: string;
                    kind?: "text" | "video";
                    bodyMarkdown?: string;
                    videoUrl?: string;
                    /** @description estimated seconds, at most a day */
                    durationS?: number;
                    isPreview?: boolean;
                };
            };
        };
        responses: {
            /** @description The lesson, edited */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Lesson"];
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Signed in, but not allowed to do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found, or not visible to this caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request body is over the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    setLessonProgress: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    completed: boolean;
                };
            };
        };
        responses: {
            /** @description The caller's progress in the course, updated */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Progress"];
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing, invalid or expired credentials */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Signed in, but not allowed to do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found, or not visible to this caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request body is over the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getCertificate: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The certificate */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Certificate"];
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found, or not visible to this caller */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getLiveness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The process is alive */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "ok"
                     *     }
                     */
                    "application/json": {
                        /** @enum {string} */
                        status: "ok";
                    };
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready (ok or degraded): each dependency with its check */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description down only when the database is unusable (then the answer is 503); degraded when anything else is */
                        status: "ok" | "degraded" | "down";
                        /** @description by dependency: database, cache, paystack, mail */
                        checks: {
                            [key: string]: {
                                status: "ok" | "degraded" | "down";
                                latencyMs?: number;
                                breaker: "closed" | "open" | "half-open" | "isolated";
                                /** @description why it is not ok, in operator words */
                                detail?: string;
                            };
                        };
                    };
                };
            };
            /** @description Not ready: the database is unusable (the readiness document, status down), or the worker is at its in-flight cap (a problem) */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "down",
                     *       "checks": {
                     *         "database": {
                     *           "status": "down",
                     *           "latencyMs": 1000,
                     *           "breaker": "open",
                     *           "detail": "PostgreSQL not answering within 1000 ms"
                     *         },
                     *         "cache": {
                     *           "status": "ok",
                     *           "latencyMs": 1,
                     *           "breaker": "closed"
                     *         }
                     *       }
                     *     }
                     */
                    "application/json": {
                        /** @description down only when the database is unusable (then the answer is 503); degraded when anything else is */
                        status: "ok" | "degraded" | "down";
                        /** @description by dependency: database, cache, paystack, mail */
                        checks: {
                            [key: string]: {
                                status: "ok" | "degraded" | "down";
                                latencyMs?: number;
                                breaker: "closed" | "open" | "half-open" | "isolated";
                                /** @description why it is not ok, in operator words */
                                detail?: string;
                            };
                        };
                    };
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The metrics, in the Prometheus text exposition format 0.0.4 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain; version=0.0.4; charset=utf-8": string;
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description OPS_TOKEN is set and the bearer token is missing or wrong */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getOpsData: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description What the dashboard draws */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: date-time */
                        generatedAt: string;
                        status: "ok" | "degraded" | "down";
                        /** @description false: a process without a supervisor, showing only itself */
                        supervised: boolean;
                        windowMinutes: number;
                        bucketSeconds: number;
                        dependencies: {
                            name: string;
                            state: "ok" | "degraded" | "down";
                            probe: {
                                status: "ok" | "degraded" | "down";
                                latencyMs?: number;
                                detail?: string;
                            };
                            /** @description workers per breaker state */
                            breakers: {
                                closed: number;
                                open: number;
                                "half-open": number;
                                isolated: number;
                            };
                            calls: number;
                            errors: number;
                            timeouts: number;
                            rejected: number;
                            /** @description calls noticed still waiting past half their budget (at most 4 s), over the window; each is also logged (at most a line a second) */
                            slowCalls: number;
                            /** @description failed calls (error, timeout, rejected) / calls, 0-1, over the window */
                            errorRate: number;
                            p50Ms: number | null;
                            p99Ms: number | null;
                            maxMs: number | null;
                            series: {
                                start: number;
                                calls: number;
                                failures: number;
                                p50Ms: number | null;
                                p99Ms: number | null;
                            }[];
                        }[];
                        timedOut: {
                            /** @description when it finished, ms since the epoch */
                            at: number;
                            /** @description the worker that served it */
                            pid: number;
                            method: string;
                            route: string;
                            statusCode: number;
                            durationMs: number;
                            requestId: string;
                            /** @description problem code it was answered with */
                            code?: string;
                            /** @description answered 503 deadline_exceeded */
                            pastDeadline: boolean;
                            waitedOn?: {
                                dependency: string;
                                op: string;
                                outcome: "ok" | "error" | "timeout" | "rejected";
                                elapsedMs: number;
                            };
                        }[];
                        slowest: {
                            /** @description when it finished, ms since the epoch */
                            at: number;
                            /** @description the worker that served it */
                            pid: number;
                            method: string;
                            route: string;
                            statusCode: number;
                            durationMs: number;
                            requestId: string;
                            /** @description problem code it was answered with */
                            code?: string;
                            /** @description answered 503 deadline_exceeded */
                            pastDeadline: boolean;
                            waitedOn?: {
                                dependency: string;
                                op: string;
                                outcome: "ok" | "error" | "timeout" | "rejected";
                                elapsedMs: number;
                            };
                        }[];
                        workers: {
                            pid: number;
                            workerId?: number;
                            slot?: number;
                            /** @description why it was started */
                            reason?: string;
                            uptimeS: number;
                            /** @description workers started in its slot after the first */
                            restarts: number;
                            inflight?: number;
                            rssBytes?: number;
                            /** @description the in-process cache tier */
                            cacheLocal?: {
                                entries: number;
                                /** @description estimated heap held */
                                bytes: number;
                                /** @description CACHE_L1_MAX_BYTES */
                                maxBytes: number;
                                /** @description share of lookups answered in-process since the worker started */
                                hitRatio: number;
                            };
                            /** @description false: it did not answer within 1 s (hung or saturated) */
                            answered: boolean;
                            breakers: {
                                database?: "closed" | "open" | "half-open" | "isolated";
                                cache?: "closed" | "open" | "half-open" | "isolated";
                                paystack?: "closed" | "open" | "half-open" | "isolated";
                                mail?: "closed" | "open" | "half-open" | "isolated";
                            };
                        }[];
                        restartsByReason: {
                            [key: string]: number;
                        };
                        /** @description payments whose verify reported another amount or currency: a person refunds or settles each (newest first, at most 100) */
                        flaggedPayments?: {
                            reference: string;
                            userId: string;
                            courseId: string;
                            /** @description minor units we asked for */
                            amount: number;
                            currency: string;
                            /** @description what Paystack reported instead */
                            reason: string;
                            /** Format: date-time */
                            flaggedAt: string;
                        }[];
                        mailOutbox?: {
                            /** @description rows waiting to be sent */
                            pending: number;
                            /** @description rows given up on (24 h of failures, or refused for good) */
                            failed: number;
                            /** @description age of the oldest pending row, seconds */
                            oldestPendingS: number;
                            /** @description the newest failed rows (at most 50) with their last error */
                            failedMessages: {
                                id: string;
                                messageId: string;
                                kind: string;
                                recipient: string;
                                attempts: number;
                                lastError: string | null;
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                        };
                    };
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description OPS_TOKEN is set and the bearer token is missing or wrong */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listDevMailbox: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The newest messages, newest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        messages: {
                            id: string;
                            messageId: string;
                            from: string;
                            to: string;
                            subject: string;
                            text: string;
                            html: string | null;
                            /** @description the http(s) links in the text, in order */
                            links: string[];
                            /** Format: date-time */
                            receivedAt: string;
                        }[];
                    };
                };
            };
            /** @description The request is invalid (path, query, body or its JSON); `errors` lists the fields at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "https://it360acad.dev/problems/validation_failed",
                     *       "title": "Validation failed",
                     *       "status": 400,
                     *       "detail": "The request body is invalid",
                     *       "code": "validation_failed",
                     *       "requestId": "6f1c2a4e-8d7b-4c1e-9a51-0b3c2d4e5f60",
                     *       "errors": [
                     *         {
                     *           "path": "body.email",
                     *           "message": "must match format \"email\""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Served beyond loopback: the OPS_TOKEN bearer token is missing or wrong */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No built-in mailbox (SMTP_URL is set), or served beyond loopback without an OPS_TOKEN */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Temporarily unavailable (a dependency is down, the service is overloaded, or the request ran past its deadline); Retry-After says when to try again */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
